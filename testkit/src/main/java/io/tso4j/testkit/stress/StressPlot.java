package io.tso4j.testkit.stress;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws a stress run as a PNG, as Jepsen's latency plots do: every call's latency against the time it was invoked
 * (successful calls blue, failed ones red), each fault's interval shaded in a colour of its kind, and a vertical line
 * where the term answered first went up (a leader change). Long runs are thinned to the slowest call per pixel column
 * and outcome, so outliers always show. Stateless.
 */
public final class StressPlot {
  private static final int WIDTH = 1600;
  private static final int HEIGHT = 800;
  private static final int MAX_POINTS = 60_000;
  private static final double MIN_LATENCY_MS = 0.1;
  private static final Color[] KIND_COLORS = {new Color(255, 165, 0, 60), new Color(0, 160, 0, 50),
      new Color(160, 0, 160, 50), new Color(0, 160, 160, 50), new Color(200, 200, 0, 60), new Color(120, 60, 0, 50),
      new Color(255, 0, 120, 45), new Color(60, 60, 60, 45)};

  private StressPlot() {
  }

  /** Writes the plot of {@code calls} and {@code events} to {@code png} (the .png suffix is added if missing). */
  public static void write(Path png, History.Calls calls, List<FaultEvent> events, String title) throws IOException {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle("time since the first call (s)").yAxisTitle("latency (ms)").build();
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setMarkerSize(3);
    long begin = Long.MAX_VALUE;
    double maxLatency = 1;
    double endSeconds = 0;
    for (int i = 0; i < calls.size(); i++) {
      begin = Math.min(begin, calls.invoke(i));
    }
    for (int i = 0; i < calls.size(); i++) {
      maxLatency = Math.max(maxLatency, (calls.complete(i) - calls.invoke(i)) / 1e6);
      endSeconds = Math.max(endSeconds, (calls.complete(i) - begin) / 1e9);
    }
    double top = maxLatency * 2;
    chart.getStyler().setYAxisMin(MIN_LATENCY_MS);
    chart.getStyler().setYAxisMax(top);
    if (calls.size() == 0) {
      chart.addSeries("no calls", new double[] {0}, new double[] {1});
    } else {
      shadeFaults(chart, events, begin, top);
      addCalls(chart, calls, begin, endSeconds, History.Outcome.OK, "ok calls", new Color(30, 90, 200));
      addCalls(chart, calls, begin, endSeconds, History.Outcome.FAILED, "failed calls", Color.RED);
      markTermChanges(chart, calls, begin, top);
    }
    String name = png.toString().endsWith(".png") ? png.toString().substring(0, png.toString().length() - 4)
        : png.toString();
    BitmapEncoder.saveBitmap(chart, name, BitmapEncoder.BitmapFormat.PNG);
  }

  private static void addCalls(XYChart chart, History.Calls calls, long begin, double endSeconds,
      History.Outcome outcome, String name, Color color) {
    int columns = WIDTH;
    double[] colMax = new double[columns];
    double[] colX = new double[columns];
    List<double[]> all = new ArrayList<>();
    int count = 0;
    for (int i = 0; i < calls.size(); i++) {
      if (calls.outcome(i) == outcome || (outcome == History.Outcome.FAILED
          && calls.outcome(i) == History.Outcome.ORDER_GUARD)) {
        count++;
      }
    }
    boolean thin = count > MAX_POINTS;
    for (int i = 0; i < calls.size(); i++) {
      boolean match = calls.outcome(i) == outcome
          || (outcome == History.Outcome.FAILED && calls.outcome(i) == History.Outcome.ORDER_GUARD);
      if (!match) {
        continue;
      }
      double x = (calls.invoke(i) - begin) / 1e9;
      double y = Math.max(MIN_LATENCY_MS, (calls.complete(i) - calls.invoke(i)) / 1e6);
      if (thin) {
        int c = (int) Math.min(columns - 1, Math.max(0, x / Math.max(endSeconds, 1e-9) * (columns - 1)));
        if (y > colMax[c]) {
          colMax[c] = y;
          colX[c] = x;
        }
      } else {
        all.add(new double[] {x, y});
      }
    }
    if (thin) {
      for (int c = 0; c < columns; c++) {
        if (colMax[c] > 0) {
          all.add(new double[] {colX[c], colMax[c]});
        }
      }
    }
    if (all.isEmpty()) {
      return;
    }
    double[] xs = new double[all.size()];
    double[] ys = new double[all.size()];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = all.get(i)[0];
      ys[i] = all.get(i)[1];
    }
    XYSeries s = chart.addSeries(name + (thin ? " (slowest per pixel)" : "") + " (" + count + ")", xs, ys);
    s.setMarker(outcome == History.Outcome.OK ? SeriesMarkers.CIRCLE : SeriesMarkers.CROSS);
    s.setMarkerColor(color);
  }

  private static void shadeFaults(XYChart chart, List<FaultEvent> events, long begin, double top) {
    Map<FaultKind, Integer> seen = new EnumMap<>(FaultKind.class);
    for (FaultEvent e : events) {
      int n = seen.merge(e.kind(), 1, Integer::sum);
      double from = (e.startNanos() - begin) / 1e9;
      double to = Math.max(from + 0.01, (e.endNanos() - begin) / 1e9);
      String name = n == 1 ? e.kind().cliName() : e.kind().cliName() + " #" + n;
      XYSeries s = chart.addSeries(name, new double[] {from, to}, new double[] {top, top});
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
      Color c = KIND_COLORS[e.kind().ordinal() % KIND_COLORS.length];
      s.setFillColor(c);
      s.setLineColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 0));
      s.setMarker(SeriesMarkers.NONE);
      s.setShowInLegend(n == 1);
    }
  }

  private static void markTermChanges(XYChart chart, History.Calls calls, long begin, double top) {
    Integer[] byComplete = new Integer[calls.size()];
    for (int i = 0; i < byComplete.length; i++) {
      byComplete[i] = i;
    }
    java.util.Arrays.sort(byComplete, (a, b) -> Long.compare(calls.complete(a), calls.complete(b)));
    long term = -1;
    for (int i : byComplete) {
      if (calls.outcome(i) != History.Outcome.OK || calls.term(i) <= term) {
        continue;
      }
      boolean first = term < 0;
      term = calls.term(i);
      if (first) {
        continue;
      }
      double x = (calls.complete(i) - begin) / 1e9;
      chart.addAnnotation(new AnnotationLine(x, true, false));
      chart.addAnnotation(new AnnotationText("t" + term, x, top / 1.6, false));
    }
  }
}
