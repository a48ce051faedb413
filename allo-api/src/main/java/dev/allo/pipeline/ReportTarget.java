package dev.allo.pipeline;

/**
 * Where a run reports its training metrics besides the console, named as the values of TRL's {@code report_to}
 * (transformers {@code TrainingArguments.report_to}).
 */
public enum ReportTarget {
    /**
     * {@code <stage>/metrics.jsonl}: one JSON object per optimiser step. The pipeline always writes it (the loss
     * chart, the HTML report and resuming read it), so naming it only documents the choice.
     */
    JSONL,
    /** {@code <stage>/metrics.csv}: one row per logging step, metrics averaged over the logging window. */
    CSV,
    /**
     * {@code tensorboard/<stage>/events.out.tfevents.<seconds>.<host>}: TensorBoard scalars, one event per logging
     * step, metrics averaged over the logging window, tagged {@code train/<metric>}.
     */
    TENSORBOARD,
    /** Nothing besides the always-written {@code metrics.jsonl}; alone in a set of targets. */
    NONE;

    /**
     * The target of a {@code report_to} value, case-insensitive ({@code jsonl}, {@code csv}, {@code tensorboard},
     * {@code none}).
     *
     * @param name the value
     * @return the target
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static ReportTarget parse(String name) {
        for (ReportTarget t : values()) {
            if (t.name().equalsIgnoreCase(name.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("report_to value '" + name + "' is not one of jsonl, csv, tensorboard,"
                + " none");
    }
}
