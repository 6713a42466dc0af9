package io.tso4j.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws latency percentiles against concurrency as a PNG (log-log axes), one line per target and percentile. Stateless.
 */
public final class LatencyPlot {
  private LatencyPlot() {
  }

  /** Writes the plot of {@code results} to {@code png} (the .png suffix is added if missing). */
  public static void write(List<BenchResult> results, Path png, String title) throws IOException {
    XYChart chart = new XYChartBuilder().width(1000).height(620).title(title)
        .xAxisTitle("concurrency (callers)").yAxisTitle("latency (microseconds)").build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setMarkerSize(7);
    Map<String, List<BenchResult>> byTarget = new LinkedHashMap<>();
    for (BenchResult r : results) {
      byTarget.computeIfAbsent(r.target(), k -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<String, List<BenchResult>> e : byTarget.entrySet()) {
      List<BenchResult> rs = e.getValue();
      addSeries(chart, e.getKey() + " p50", rs, 50);
      addSeries(chart, e.getKey() + " p99", rs, 99);
      addSeries(chart, e.getKey() + " p99.9", rs, 99.9);
    }
    String name = png.toString().endsWith(".png") ? png.toString().substring(0, png.toString().length() - 4)
        : png.toString();
    BitmapEncoder.saveBitmap(chart, name, BitmapEncoder.BitmapFormat.PNG);
  }

  private static void addSeries(XYChart chart, String name, List<BenchResult> rs, double percentile) {
    double[] x = new double[rs.size()];
    double[] y = new double[rs.size()];
    for (int i = 0; i < rs.size(); i++) {
      BenchResult r = rs.get(i);
      x[i] = r.concurrency();
      double v = percentile == 50 ? r.p50() : percentile == 99 ? r.p99() : r.p999();
      y[i] = Math.max(1, v);
    }
    XYSeries s = chart.addSeries(name, x, y);
    s.setMarker(percentile == 50 ? SeriesMarkers.CIRCLE : percentile == 99 ? SeriesMarkers.DIAMOND
        : SeriesMarkers.TRIANGLE_UP);
  }
}
