package dev.allo.examples.fuzz;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The counts of a fuzz run per target and outcome, and the failing cases. */
public final class FuzzReport {
    private final Map<String, EnumMap<Outcome, Integer>> counts = new LinkedHashMap<>();
    private final List<CaseResult> failures = new ArrayList<>();
    private final Map<String, List<String>> cleanMessages = new LinkedHashMap<>();

    /**
     * Adds a case.
     *
     * @param r the case's result
     */
    public synchronized void add(CaseResult r) {
        counts.computeIfAbsent(r.target(), t -> new EnumMap<>(Outcome.class)).merge(r.outcome(), 1, Integer::sum);
        if (r.outcome().isFailure()) {
            failures.add(r);
        } else if (r.outcome() == Outcome.CLEAN_ERROR) {
            List<String> sample = cleanMessages.computeIfAbsent(r.target(), t -> new ArrayList<>());
            if (sample.size() < 5) {
                sample.add(r.error());
            }
        }
    }

    /**
     * The number of cases of a target that ended so.
     *
     * @param target the target's name
     * @param outcome the outcome
     * @return the count
     */
    public synchronized int count(String target, Outcome outcome) {
        return counts.getOrDefault(target, new EnumMap<>(Outcome.class)).getOrDefault(outcome, 0);
    }

    /**
     * The number of cases of every target that ended so.
     *
     * @param outcome the outcome
     * @return the count
     */
    public synchronized int total(Outcome outcome) {
        return counts.keySet().stream().mapToInt(t -> count(t, outcome)).sum();
    }

    /**
     * Every case, of every target.
     *
     * @return the count
     */
    public synchronized int cases() {
        return counts.values().stream().flatMap(m -> m.values().stream()).mapToInt(Integer::intValue).sum();
    }

    /**
     * The targets, in the order they ran.
     *
     * @return their names
     */
    public synchronized List<String> targets() {
        return List.copyOf(counts.keySet());
    }

    /**
     * The failing cases (every outcome but OK and a clean error), in order.
     *
     * @return an unmodifiable list
     */
    public synchronized List<CaseResult> failures() {
        return Collections.unmodifiableList(new ArrayList<>(failures));
    }

    /**
     * The distinct exception types of the unexpected failures, each with its first frame.
     *
     * @return sorted signatures
     */
    public synchronized List<String> unexpectedTypes() {
        TreeSet<String> types = new TreeSet<>();
        for (CaseResult f : failures) {
            if (f.outcome() == Outcome.UNEXPECTED) {
                String type = f.error() == null ? "?" : f.error().split(":", 2)[0];
                types.add(type + (f.where() == null ? "" : " at " + f.where().split("\n", 2)[0]));
            }
        }
        return List.copyOf(types);
    }

    /**
     * A few clean error messages per target, to show what users see.
     *
     * @return target to up to five messages
     */
    public synchronized Map<String, List<String>> cleanMessageSamples() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(cleanMessages));
    }

    /**
     * The counts as a Markdown table: one row per target and a total row.
     *
     * @return the table
     */
    public synchronized String table() {
        StringBuilder b = new StringBuilder("| kind | cases |");
        for (Outcome o : Outcome.values()) {
            b.append(' ').append(o.name().toLowerCase().replace('_', ' ')).append(" |");
        }
        b.append("\n|---|---:|").append("---:|".repeat(Outcome.values().length)).append('\n');
        for (String t : counts.keySet()) {
            int cases = 0;
            StringBuilder row = new StringBuilder();
            for (Outcome o : Outcome.values()) {
                cases += count(t, o);
                row.append(' ').append(count(t, o)).append(" |");
            }
            b.append("| ").append(t).append(" | ").append(cases).append(" |").append(row).append('\n');
        }
        b.append("| **total** | ").append(cases()).append(" |");
        for (Outcome o : Outcome.values()) {
            b.append(' ').append(total(o)).append(" |");
        }
        return b.append('\n').toString();
    }
}
