package io.tso4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import picocli.CommandLine.IVersionProvider;

/**
 * The version line of {@code tso4j --version}: the version and git commit that the build wrote into the cli jar's
 * manifest ({@code Implementation-Version}, {@code Build-Commit}); nothing is written in code.
 */
final class VersionInfo implements IVersionProvider {
  /** The manifest attribute with the git commit of the build ({@code unknown} when built outside git). */
  static final String COMMIT_ATTRIBUTE = "Build-Commit";
  /** The Implementation-Title of the cli jar, which tells its manifest from the others on the class path. */
  static final String TITLE = "tso4j-cli";

  @Override
  public String[] getVersion() {
    return new String[] {line(cliManifest())};
  }

  /** {@code tso4j VERSION (commit COMMIT)}, or a note that there is no manifest (classes run from a build tree). */
  static String line(Manifest manifest) {
    if (manifest == null) {
      return "tso4j (development classes: no jar manifest, so no version or commit)";
    }
    Attributes a = manifest.getMainAttributes();
    String version = a.getValue(Attributes.Name.IMPLEMENTATION_VERSION);
    String commit = a.getValue(COMMIT_ATTRIBUTE);
    return "tso4j " + (version == null ? "(unknown version)" : version)
        + " (commit " + (commit == null || commit.isBlank() ? "unknown" : commit) + ")";
  }

  /** The manifest of the cli jar, or null if the classes do not come from it. */
  static Manifest cliManifest() {
    try {
      Enumeration<URL> all = VersionInfo.class.getClassLoader().getResources("META-INF/MANIFEST.MF");
      while (all.hasMoreElements()) {
        try (InputStream in = all.nextElement().openStream()) {
          Manifest m = new Manifest(in);
          if (TITLE.equals(m.getMainAttributes().getValue(Attributes.Name.IMPLEMENTATION_TITLE))) {
            return m;
          }
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }
}
