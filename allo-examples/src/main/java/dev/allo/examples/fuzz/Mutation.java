package dev.allo.examples.fuzz;

/**
 * A mutated file and how it was made.
 *
 * @param bytes the file's bytes
 * @param description the mutations applied, in order, for reports
 */
public record Mutation(byte[] bytes, String description) {}
