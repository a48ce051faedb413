package dev.allo.impl.tokenizer;

import dev.allo.fixtures.tokenizer.TinyTokenizerJson;
import dev.allo.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class HuggingFaceJsonTokenizerContractTest extends TokenizerContract {

    @TempDir
    Path dir;

    private HuggingFaceJsonTokenizer open;

    @Override
    Tokenizer tokenizer() {
        TinyTokenizerJson.write(dir);
        HuggingFaceJsonTokenizer t = HuggingFaceJsonTokenizer.load(dir);
        if (open != null) {
            open.close();
        }
        open = t;
        return t;
    }

    @AfterEach
    void close() {
        if (open != null) {
            open.close();
        }
    }
}
