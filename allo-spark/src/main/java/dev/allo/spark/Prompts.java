package dev.allo.spark;

import dev.allo.tokenizer.Tokenizer;
import java.util.Arrays;

/** Prompt ids and response text as the pair encoder and the quick start's sampler build them. */
final class Prompts {
    private Prompts() {}

    /** {@code BOS + encode(prompt)} (no BOS when the tokenizer has none). */
    static int[] ids(Tokenizer tokenizer, String prompt) {
        int[] text = tokenizer.encode(prompt);
        if (tokenizer.bosId().isEmpty()) {
            return text;
        }
        int[] ids = new int[text.length + 1];
        ids[0] = tokenizer.bosId().getAsInt();
        System.arraycopy(text, 0, ids, 1, text.length);
        return ids;
    }

    /** The decoded response without its final EOS. */
    static String decode(Tokenizer tokenizer, int[] generated) {
        boolean eos = tokenizer.eosId().isPresent() && generated.length > 0
                && generated[generated.length - 1] == tokenizer.eosId().getAsInt();
        return tokenizer.decode(eos ? Arrays.copyOf(generated, generated.length - 1) : generated);
    }
}
