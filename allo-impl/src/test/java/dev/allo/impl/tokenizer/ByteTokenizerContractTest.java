package dev.allo.impl.tokenizer;

import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;

class ByteTokenizerContractTest extends TokenizerContract {
    @Override
    Tokenizer tokenizer() {
        return ByteTokenizer.create();
    }
}
