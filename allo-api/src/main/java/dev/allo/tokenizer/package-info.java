/** Tokenizers: the {@link dev.allo.tokenizer.Tokenizer} contract and the built-in byte-level tokenizer. */
package dev.allo.tokenizer;
