/** Causal language models: the {@link dev.allo.model.CausalLm} contract. */
package dev.allo.model;
