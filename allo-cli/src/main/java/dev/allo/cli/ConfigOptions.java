package dev.allo.cli;

import dev.allo.cli.config.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --config} file and {@code --set key=value} overrides (docs/cli.md lists the keys). */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "Settings in YAML (.yaml, .yml) or JSON (.json), TRL's names (learning_rate, beta, ...)"
                    + " and ALLO's sections locate, forget, learn.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one setting (repeatable), e.g. --set learning_rate=1e-5 --set forget.beta=0.2.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--print-config",
            description = "Print the complete configuration this run would use, as YAML, and exit without training.")
    boolean printConfig;

    /** Used by picocli. */
    ConfigOptions() {}

    /**
     * The settings.
     *
     * @return the file's settings with the overrides applied
     */
    Settings settings() {
        return Settings.load(config, overrides);
    }
}
