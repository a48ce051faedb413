package dev.allo.examples.task;

/** The kinds of plausible mistakes {@link WrongSolutionGenerator} makes; later steps then carry the error forward. */
public enum Mistake {
    /** One step's result is off by a small amount (±1, ±2 or ±10). */
    ARITHMETIC_SLIP,
    /** One step uses a neighbouring operand (±1 or ±2) instead of the problem's. */
    WRONG_OPERAND,
    /** One step applies another operation to the right operands. */
    WRONG_OPERATION,
    /** One step is left out. */
    DROPPED_STEP
}
