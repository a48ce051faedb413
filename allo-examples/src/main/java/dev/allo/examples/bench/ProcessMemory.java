package dev.allo.examples.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory as Linux reports it in {@code /proc/self/status}: the current resident set
 * ({@code VmRSS}) and its peak ({@code VmHWM}), which {@link #resetPeak()} sets back to the current value so that a
 * peak can be measured over one stretch of work. Native (PyTorch) allocations count, unlike the Java heap figures.
 */
final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private ProcessMemory() {}

    /**
     * The resident set size now.
     *
     * @return {@code VmRSS} in bytes
     * @throws UncheckedIOException if {@code /proc/self/status} cannot be read (not Linux)
     */
    static long rssBytes() {
        return statusBytes("VmRSS:");
    }

    /**
     * The peak resident set size since the process started or since the last successful {@link #resetPeak()}.
     *
     * @return {@code VmHWM} in bytes
     * @throws UncheckedIOException if {@code /proc/self/status} cannot be read (not Linux)
     */
    static long peakRssBytes() {
        return statusBytes("VmHWM:");
    }

    /**
     * Sets the peak back to the current resident set size, by writing {@code 5} to {@code /proc/self/clear_refs}
     * (Linux 4.0 and later).
     *
     * @return whether the kernel accepted the reset; if not, {@link #peakRssBytes()} stays the process's lifetime peak
     */
    static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static long statusBytes(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATUS + " (Linux only)", e);
        }
        throw new IllegalStateException(STATUS + " has no " + field + " line");
    }
}
