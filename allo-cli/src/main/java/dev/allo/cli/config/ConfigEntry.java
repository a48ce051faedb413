package dev.allo.cli.config;

import java.util.Objects;

/**
 * One setting as the user wrote it: its dotted key ({@code learning_rate}, {@code forget.neuron_ratio}), its text and
 * where it came from, for error messages.
 *
 * @param key the dotted key
 * @param text the value as written (numbers too are kept as text)
 * @param origin where it was written: {@code run.yaml line 3} or {@code --set forget.beta=0.2}
 */
public record ConfigEntry(String key, String text, String origin) {

    /** Checks that nothing is null. */
    public ConfigEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(origin, "origin");
    }
}
