package dev.allo.pipeline;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * How a run logs, keeps numbered checkpoints and reports, with the semantics of TRL's (transformers
 * {@code TrainingArguments}) settings of the same names.
 *
 * <ul>
 *   <li>{@code loggingSteps} ({@code logging_steps}): every this many optimiser steps, and after a stage's last
 *       step, one line goes to the console (non-terminal progress) and one row to every {@link ReportTarget} other
 *       than {@code jsonl}, holding each metric averaged over the steps since the previous logging step, except
 *       {@code learning_rate}, {@code grad_norm}, {@code elapsed_seconds}, {@code step} and {@code epoch}, which
 *       are the logging step's own values (as transformers logs them). {@code metrics.jsonl} keeps every step.
 *   <li>{@code saveSteps} ({@code save_steps}): every this many optimiser steps of a preference stage, the model
 *       is saved to {@code <stage>/checkpoint-<step>/} in the Hugging Face layout (with the tokenizer files);
 *       {@code 0} for none. These are for use and comparison; resuming uses the separate {@code <stage>/checkpoint/}.
 *   <li>{@code saveTotalLimit} ({@code save_total_limit}): keep only the newest this many numbered checkpoints of a
 *       stage, deleting the oldest; {@code 0} keeps all. The resume checkpoint is never deleted.
 *   <li>{@code reportTo} ({@code report_to}): the targets; {@code {NONE}} for none besides {@code metrics.jsonl}.
 * </ul>
 *
 * @param loggingSteps optimiser steps between logged lines and rows, {@code >= 1}; default 10 (TRL's)
 * @param saveSteps optimiser steps between numbered checkpoints, {@code >= 0}; default 0 (none)
 * @param saveTotalLimit numbered checkpoints kept per stage, {@code >= 0}; default 0 (all)
 * @param reportTo the report targets, not empty, {@code NONE} only alone; default {@code {JSONL}}
 */
public record ReportingConfig(long loggingSteps, long saveSteps, int saveTotalLimit, Set<ReportTarget> reportTo) {

    /**
     * Validates every field and copies the set (iterated in enum order).
     *
     * @throws IllegalArgumentException naming the field, the constraint and the value
     */
    public ReportingConfig {
        if (loggingSteps < 1) {
            throw new IllegalArgumentException("loggingSteps (logging_steps) must be >= 1, got " + loggingSteps);
        }
        if (saveSteps < 0) {
            throw new IllegalArgumentException("saveSteps (save_steps) must be >= 0 (0 = no numbered checkpoints),"
                    + " got " + saveSteps);
        }
        if (saveTotalLimit < 0) {
            throw new IllegalArgumentException("saveTotalLimit (save_total_limit) must be >= 0 (0 = keep all), got "
                    + saveTotalLimit);
        }
        if (reportTo == null || reportTo.isEmpty()) {
            throw new IllegalArgumentException("reportTo (report_to) must name at least one target (NONE for none),"
                    + " got " + reportTo);
        }
        if (reportTo.contains(ReportTarget.NONE) && reportTo.size() > 1) {
            throw new IllegalArgumentException("reportTo (report_to) NONE excludes the other targets, got "
                    + reportTo);
        }
        reportTo = Collections.unmodifiableSet(EnumSet.copyOf(reportTo));
    }

    /**
     * The defaults listed on the record components.
     *
     * @return logging every 10 steps, no numbered checkpoints, {@code metrics.jsonl} only
     */
    public static ReportingConfig defaults() {
        return new ReportingConfig(10, 0, 0, EnumSet.of(ReportTarget.JSONL));
    }

    /**
     * Whether a target is on.
     *
     * @param target the target
     * @return true if {@link #reportTo()} holds it
     */
    public boolean reportsTo(ReportTarget target) {
        return reportTo.contains(target);
    }

    /**
     * A copy with another logging interval.
     *
     * @param value optimiser steps between logging steps
     * @return the copy
     */
    public ReportingConfig withLoggingSteps(long value) {
        return new ReportingConfig(value, saveSteps, saveTotalLimit, reportTo);
    }

    /**
     * A copy with other numbered-checkpoint settings.
     *
     * @param steps optimiser steps between numbered checkpoints, 0 for none
     * @param totalLimit numbered checkpoints kept per stage, 0 for all
     * @return the copy
     */
    public ReportingConfig withSaving(long steps, int totalLimit) {
        return new ReportingConfig(loggingSteps, steps, totalLimit, reportTo);
    }

    /**
     * A copy with other report targets.
     *
     * @param targets the targets
     * @return the copy
     */
    public ReportingConfig withReportTo(Collection<ReportTarget> targets) {
        return new ReportingConfig(loggingSteps, saveSteps, saveTotalLimit,
                targets.isEmpty() ? Set.of() : EnumSet.copyOf(targets));
    }
}
