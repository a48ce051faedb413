/**
 * The built-in reasoning task: seeded multi-step arithmetic word problems in the spirit of the ALLO paper's
 * mathematical-reasoning scenario (GSM8k-style step-by-step solutions ending in {@code "The answer is: N"}).
 *
 * <ul>
 *   <li>{@link dev.allo.examples.task.ProblemGenerator} draws problems from a {@link
 *       dev.allo.examples.task.ProblemConfig} (difficulty knobs) and builds disjoint {@link
 *       dev.allo.examples.task.TaskSplits}.
 *   <li>{@link dev.allo.examples.task.AnswerChecker} grades a response by the number after "The answer is".
 *   <li>{@link dev.allo.examples.task.ArithmeticTeacher} is the programmatic stand-in for the paper's GPT-4
 *       rewrites: the minimally corrected version of a wrong solution.
 *   <li>{@link dev.allo.examples.task.WrongSolutionGenerator} makes plausibly wrong solutions for tests and for
 *       synthetic data when no model is at hand.
 *   <li>{@link dev.allo.examples.task.PreferenceDataBuilder} turns sampled solutions into (chosen, rejected) pairs and
 *       rewrite quadruples.
 *   <li>{@link dev.allo.examples.task.PromptStyle} holds the prompt templates of the paper's Table 6.
 * </ul>
 */
package dev.allo.examples.task;
