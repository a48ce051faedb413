package dev.allo.examples.task;

import java.util.Objects;

/**
 * Prompt templates: the paper's own (Table 6) and a compact variant that spares a tiny byte-level model the long
 * instruction prefixes. The response (a solution) follows the prompt directly.
 */
public enum PromptStyle {
    /**
     * Table 6 verbatim, except that the curly quotation marks around {@code "The answer is: "} are written as ASCII
     * quotes. Task prompt: the Alpaca-style instruction ending in {@code "### Response: Let's think step by step."}
     * and a line break. Rewrite prompt: the "Solution Rewriting" instruction, then {@code ### Problem:}, {@code ###
     * Correct solution:}, {@code ### Prediction:} and {@code ### Correct prediction:} sections.
     */
    PAPER {
        @Override
        public String taskPrompt(String problem) {
            return "Below is an instruction that describes a task. Write a response that appropriately completes the "
                    + "request.\n\n### Instruction:\n" + require(problem, "problem")
                    + "\n\n### Response: Let's think step by step.\n";
        }

        @Override
        public String rewritePrompt(String problem, String reference, String prediction) {
            return "Given the problem and the correct solution, you need to correct the mistakes in the prediction to "
                    + "get the correct answer. You should write down the correct prediction and use \"The answer is: \""
                    + " (without quotation mark) to identify the final answer. You should make minimal modifications. "
                    + "You should not copy the problem.\n### Problem:\n" + require(problem, "problem")
                    + "\n### Correct solution:\n" + require(reference, "reference")
                    + "\n### Prediction:\n" + require(prediction, "prediction")
                    + "\n### Correct prediction:\n";
        }
    },

    /**
     * Short prompts with the same sections. Task prompt: {@code "Q: <problem>\nA: "}. Rewrite prompt: {@code
     * "Q: <problem>\nRef: <reference>\nPred: <prediction>\nFix: "}.
     */
    COMPACT {
        @Override
        public String taskPrompt(String problem) {
            return "Q: " + require(problem, "problem") + "\nA: ";
        }

        @Override
        public String rewritePrompt(String problem, String reference, String prediction) {
            return "Q: " + require(problem, "problem") + "\nRef: " + require(reference, "reference") + "\nPred: "
                    + require(prediction, "prediction") + "\nFix: ";
        }
    };

    /**
     * The prompt under which the policy solves a problem (Table 6, "Prompt for Downstream Tasks").
     *
     * @param problem the problem text
     * @return the prompt; the solution follows it directly
     */
    public abstract String taskPrompt(String problem);

    /**
     * The prompt under which the rewriter corrects a prediction (Table 6, "Distillation for Solution Rewriting").
     *
     * @param problem the problem text
     * @param reference the correct (reference) solution
     * @param prediction the wrong prediction to correct
     * @return the prompt; the corrected prediction follows it directly
     */
    public abstract String rewritePrompt(String problem, String reference, String prediction);

    private static String require(String value, String name) {
        return Objects.requireNonNull(value, name);
    }
}
