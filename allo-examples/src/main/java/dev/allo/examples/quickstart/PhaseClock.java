package dev.allo.examples.quickstart;

import java.io.PrintStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Wall time of a run's phases: each {@link #phase} call closes the phase that began at the previous call. */
public final class PhaseClock {
    private final PrintStream log;
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private long start = System.nanoTime();

    /**
     * A clock whose first phase begins now.
     *
     * @param log where each closed phase is printed
     */
    public PhaseClock(PrintStream log) {
        this.log = log;
    }

    /**
     * Ends the current phase under a name and starts the next one.
     *
     * @param name the phase's name; a repeated name adds to its earlier time
     */
    public void phase(String name) {
        long now = System.nanoTime();
        double s = (now - start) / 1e9;
        seconds.merge(name, s, Double::sum);
        log.printf(Locale.ROOT, "      (%s: %.1f s)%n", name, s);
        start = now;
    }

    /**
     * The closed phases in order.
     *
     * @return phase name to seconds, unmodifiable
     */
    public Map<String, Double> seconds() {
        return Collections.unmodifiableMap(seconds);
    }
}
