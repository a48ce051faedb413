package dev.allo.impl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.allo.data.DropLog;
import dev.allo.data.PreferenceExample;
import dev.allo.data.TokenizedPair;
import dev.allo.data.TruncationPolicy;
import dev.allo.fixtures.data.DataGenerators;
import dev.allo.fixtures.data.ReferenceTruncation;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class PairEncoderProperties {

    private record Case(String prompt, String chosen, String rejected, int maxLength, int maxPromptLength) {
    }

    private static Gen<Case> cases() {
        Gen<String> prompt = DataGenerators.unicodeStrings(1, 25);
        Gen<String> response = DataGenerators.unicodeStrings(1, 25);
        Gen<int[]> limits = integers().between(2, 60).zip(integers().between(0, 1000),
                (max, frac) -> new int[] {max, 1 + frac * (max - 1) / 1000});
        return prompt.zip(response, response, limits,
                (p, c, r, l) -> new Case(p, c, r, l[0], l[1]));
    }

    @Test
    void matchesTheReferencePolicyAndItsInvariants() {
        ByteTokenizer tok = ByteTokenizer.create();
        qt().withFixedSeed(21).withExamples(400).forAll(cases()).checkAssert(c -> {
            DropLog drops = new DropLog();
            PairEncoder enc = new PairEncoder(tok, TruncationPolicy.of(c.maxLength(), c.maxPromptLength()));
            Optional<TokenizedPair> got = enc.encode(3, PreferenceExample.of(c.prompt(), c.chosen(), c.rejected()),
                    drops);
            ReferenceTruncation.Outcome want = ReferenceTruncation.apply(list(tok.encode(c.prompt())),
                    list(tok.encode(c.chosen())), list(tok.encode(c.rejected())), ByteTokenizer.BOS,
                    ByteTokenizer.EOS, c.maxLength(), c.maxPromptLength());
            assertThat(got.isEmpty()).isEqualTo(want.dropped());
            assertThat(drops.count()).isEqualTo(want.dropped() ? 1 : 0);
            if (want.dropped()) {
                assertThat(drops.entries().get(0).index()).isEqualTo(3);
                assertThat(drops.entries().get(0).reason()).contains("no room for a response");
                return;
            }
            TokenizedPair p = got.get();
            assertThat(list(p.promptIds())).isEqualTo(want.prompt());
            assertThat(list(p.chosenIds())).isEqualTo(want.chosen());
            assertThat(list(p.rejectedIds())).isEqualTo(want.rejected());
            // Invariants stated in TruncationPolicy, checked directly as well.
            assertThat(p.promptIds().length).isLessThanOrEqualTo(c.maxPromptLength());
            assertThat(p.chosenLength()).isLessThanOrEqualTo(c.maxLength());
            assertThat(p.rejectedLength()).isLessThanOrEqualTo(c.maxLength());
            assertThat(p.chosenIds()).isNotEmpty();
            assertThat(p.rejectedIds()).isNotEmpty();
            assertThat(p.promptIds()[0]).isEqualTo(ByteTokenizer.BOS);
            int[] promptContent = tok.encode(c.prompt());
            int[] kept = Arrays.copyOfRange(p.promptIds(), 1, p.promptIds().length);
            assertThat(kept).isEqualTo(Arrays.copyOfRange(promptContent, promptContent.length - kept.length,
                    promptContent.length)); // the prompt keeps its end
            int[] chosenFull = append(tok.encode(c.chosen()), ByteTokenizer.EOS);
            assertThat(p.chosenIds()).isEqualTo(Arrays.copyOf(chosenFull, p.chosenIds().length)); // keeps its start
            assertThat(p.rejectedWeights()).containsOnly(1f);
        });
    }

    @Test
    void withoutSpecialTokensTheReferenceStillHolds() {
        Tokenizer plain = new PlainBytes(false);
        qt().withFixedSeed(22).withExamples(200).forAll(cases()).checkAssert(c -> {
            DropLog drops = new DropLog();
            Optional<TokenizedPair> got = new PairEncoder(plain, TruncationPolicy.of(c.maxLength(),
                    c.maxPromptLength())).encode(0, PreferenceExample.of(c.prompt(), c.chosen(), c.rejected()), drops);
            ReferenceTruncation.Outcome want = ReferenceTruncation.apply(list(plain.encode(c.prompt())),
                    list(plain.encode(c.chosen())), list(plain.encode(c.rejected())), -1, -1, c.maxLength(),
                    c.maxPromptLength());
            assertThat(got.isEmpty()).isEqualTo(want.dropped());
            got.ifPresent(p -> {
                assertThat(list(p.promptIds())).isEqualTo(want.prompt());
                assertThat(list(p.rejectedIds())).isEqualTo(want.rejected());
            });
        });
    }

    @Test
    void bosAndEosAppearExactlyOnceEvenWhenTheTokenizerAddsThem() {
        PairEncoder clean = new PairEncoder(ByteTokenizer.create(), TruncationPolicy.none());
        PairEncoder doubled = new PairEncoder(new PlainBytes(true), TruncationPolicy.none());
        qt().withFixedSeed(23).withExamples(100).forAll(DataGenerators.examples(15)).checkAssert(e -> {
            TokenizedPair a = clean.encode(0, e, new DropLog()).orElseThrow();
            TokenizedPair b = doubled.encode(0, e, new DropLog()).orElseThrow();
            assertThat(b.promptIds()).isEqualTo(a.promptIds());
            assertThat(b.chosenIds()).isEqualTo(a.chosenIds());
            assertThat(b.rejectedIds()).isEqualTo(a.rejectedIds());
            assertThat(b.referenceIds().map(r -> Arrays.toString(r)))
                    .isEqualTo(a.referenceIds().map(r -> Arrays.toString(r)));
            assertThat(Arrays.stream(a.promptIds()).filter(id -> id == ByteTokenizer.BOS).count()).isEqualTo(1);
            assertThat(Arrays.stream(a.chosenIds()).filter(id -> id == ByteTokenizer.EOS).count()).isEqualTo(1);
        });
    }

    @Test
    void aResponseCutToNothingIsDroppedAndCountedNeverKeptSilently() {
        PairEncoder enc = new PairEncoder(ByteTokenizer.create(), TruncationPolicy.of(8, 8));
        DropLog drops = new DropLog();
        List<PreferenceExample> examples = List.of(
                PreferenceExample.of("short", "ok", "no").withId("a"),
                PreferenceExample.of("a prompt far longer than eight bytes", "ok", "no").withId("b"),
                PreferenceExample.of("ab", "ok", "no"));
        List<TokenizedPair> kept = enc.encodeAll(examples.iterator(), drops).toList();
        assertThat(kept).extracting(TokenizedPair::index).containsExactly(0L, 2L);
        assertThat(drops.count()).isEqualTo(1);
        assertThat(drops.entries().get(0).index()).isEqualTo(1);
        assertThat(drops.entries().get(0).id()).contains("b");
        assertThat(drops.entries().get(0).reason())
                .isEqualTo("the prompt's 8 tokens leave no room for a response under maxLength=8");
        assertThat(drops.summary()).startsWith("1 pair(s) dropped");
        // "short" = BOS + 5 bytes leaves room for 2 ids: "ok" keeps its start and loses its EOS.
        assertThat(kept.get(0).chosenIds()).containsExactly('o', 'k');
    }

    @Test
    void aResponseThatEncodesToNothingIsDropped() {
        Tokenizer dropsWhitespace = new PlainBytes(false) {
            @Override
            public int[] encode(String text) {
                return super.encode(text.strip());
            }
        };
        DropLog drops = new DropLog();
        Optional<TokenizedPair> p = new PairEncoder(dropsWhitespace, TruncationPolicy.none())
                .encode(0, PreferenceExample.of("p", "c", "   "), drops);
        assertThat(p).isEmpty();
        assertThat(drops.entries().get(0).reason()).isEqualTo("rejected response encodes to no tokens");
    }

    @Test
    void aPromptTemplateIsAppliedAtEncodingAndTheExampleKeepsTheRawProblem() {
        PairEncoder enc = new PairEncoder(ByteTokenizer.create(), TruncationPolicy.none(),
                dev.allo.data.PromptTemplate.downstream());
        PreferenceExample e = PreferenceExample.of("2+2?", "4", "5");
        TokenizedPair p = enc.encode(0, e, new DropLog()).orElseThrow();
        assertThat(ByteTokenizer.create().decode(p.promptIds()))
                .isEqualTo(dev.allo.data.PromptTemplate.downstream().fill(java.util.Map.of("instruction", "2+2?")));
        assertThat(p.source().prompt()).isEqualTo("2+2?");
    }

    /** UTF-8 bytes; with {@code addSpecials} it adds BOS and EOS around every encoding (against the contract). */
    static class PlainBytes implements Tokenizer {
        private final boolean addSpecials;

        PlainBytes(boolean addSpecials) {
            this.addSpecials = addSpecials;
        }

        @Override
        public int[] encode(String text) {
            int[] b = ByteTokenizer.create().encode(text);
            if (!addSpecials) {
                return b;
            }
            int[] out = new int[b.length + 2];
            out[0] = ByteTokenizer.BOS;
            System.arraycopy(b, 0, out, 1, b.length);
            out[out.length - 1] = ByteTokenizer.EOS;
            return out;
        }

        @Override
        public String decode(int[] ids) {
            return ByteTokenizer.create().decode(ids);
        }

        @Override
        public int vocabSize() {
            return ByteTokenizer.VOCAB_SIZE;
        }

        @Override
        public String identity() {
            return "plain-bytes/" + addSpecials;
        }

        @Override
        public OptionalInt bosId() {
            return addSpecials ? OptionalInt.of(ByteTokenizer.BOS) : OptionalInt.empty();
        }

        @Override
        public OptionalInt eosId() {
            return addSpecials ? OptionalInt.of(ByteTokenizer.EOS) : OptionalInt.empty();
        }

        @Override
        public OptionalInt padId() {
            return OptionalInt.empty();
        }
    }

    private static List<Integer> list(int[] ids) {
        return Arrays.stream(ids).boxed().toList();
    }

    private static int[] append(int[] ids, int id) {
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = id;
        return out;
    }
}
