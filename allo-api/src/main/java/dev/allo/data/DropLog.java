package dev.allo.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the pairs a pipeline step dropped, so nothing is left out silently. Not thread-safe.
 */
public final class DropLog {

    private final List<DroppedPair> dropped = new ArrayList<>();

    /** Creates an empty log. */
    public DropLog() {
    }

    /**
     * Records a dropped pair.
     *
     * @param pair the record
     */
    public void add(DroppedPair pair) {
        dropped.add(pair);
    }

    /**
     * How many pairs were dropped.
     *
     * @return the count
     */
    public int count() {
        return dropped.size();
    }

    /**
     * The dropped pairs in the order they were recorded.
     *
     * @return an unmodifiable copy
     */
    public List<DroppedPair> entries() {
        return List.copyOf(dropped);
    }

    /**
     * A one-line count followed by one line per dropped pair.
     *
     * @return the summary
     */
    public String summary() {
        StringBuilder sb = new StringBuilder().append(dropped.size()).append(" pair(s) dropped");
        for (DroppedPair d : dropped) {
            sb.append(System.lineSeparator()).append("  ").append(d);
        }
        return sb.toString();
    }
}
