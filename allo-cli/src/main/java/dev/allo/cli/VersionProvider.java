package dev.allo.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The version {@code allo --version} prints: the project version, filtered into a resource at build time. */
public final class VersionProvider implements CommandLine.IVersionProvider {

    /** Used by picocli. */
    public VersionProvider() {}

    @Override
    public String[] getVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        }
        return new String[] {"allo " + p.getProperty("version", "unknown") + " (ALLO for the JVM, arXiv 2406.12606)",
            "Java " + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch")};
    }
}
