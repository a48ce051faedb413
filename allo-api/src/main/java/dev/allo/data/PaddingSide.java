package dev.allo.data;

/** Where padding goes in a batch row. */
public enum PaddingSide {
    /** Padding before the prompt: {@code [PAD ... PAD, prompt, response]}; the usual choice for generation. */
    LEFT,
    /** Padding after the response: {@code [prompt, response, PAD ... PAD]}; the usual choice for training. */
    RIGHT
}
