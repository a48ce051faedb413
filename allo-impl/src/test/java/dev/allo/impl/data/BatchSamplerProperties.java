package dev.allo.impl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.allo.data.BatchConfig;
import dev.allo.data.BatchPosition;
import dev.allo.fixtures.data.DataGenerators;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchSamplerProperties {

    @Test
    void everyEpochIsAPartitionOfAllPairsAndIsReproducibleFromTheSeed() {
        qt().withFixedSeed(41).withExamples(150)
                .forAll(DataGenerators.tokenSequences(300, 1, 60), integers().between(1, 9), longs().all(),
                        integers().between(0, 3))
                .checkAssert((lengths, batchSize, seed, mode) -> {
                    BatchConfig config = BatchConfig.of(batchSize).withShuffle(mode != 0, seed)
                            .withBucketing(mode >= 2, 1 + mode);
                    BatchSampler a = new BatchSampler(lengths, config);
                    BatchSampler b = new BatchSampler(lengths, config);
                    for (int epoch = 0; epoch < 2; epoch++) {
                        List<int[]> batches = a.epoch(epoch);
                        assertThat(batches).hasSize(a.batchesPerEpoch());
                        int[] all = batches.stream().flatMapToInt(Arrays::stream).sorted().toArray();
                        assertThat(all).isEqualTo(IntStream.range(0, lengths.length).toArray());
                        assertThat(batches).allSatisfy(x -> assertThat(x.length).isBetween(1, batchSize));
                        for (int k = 0; k < batches.size(); k++) {
                            // Resuming at any position gives the same batch, from a fresh sampler too.
                            assertThat(b.batch(new BatchPosition(epoch, k))).isEqualTo(batches.get(k));
                        }
                        if (mode >= 2) {
                            assertThat(batches).allSatisfy(x -> {
                                for (int r = 1; r < x.length; r++) {
                                    assertThat(lengths[x[r - 1]]).isGreaterThanOrEqualTo(lengths[x[r]]);
                                }
                            });
                        }
                    }
                    if (mode == 0) {
                        assertThat(a.epoch(0).stream().flatMapToInt(Arrays::stream).toArray())
                                .isEqualTo(IntStream.range(0, lengths.length).toArray());
                    }
                });
    }

    @Test
    void dropLastDropsOnlyTheShortBatch() {
        int[] lengths = new int[23];
        Arrays.fill(lengths, 5);
        for (boolean bucket : new boolean[] {false, true}) {
            BatchSampler s = new BatchSampler(lengths, BatchConfig.of(5).withBucketing(bucket, 2).withDropLast(true));
            assertThat(s.batchesPerEpoch()).isEqualTo(4);
            assertThat(s.epoch(0)).hasSize(4).allSatisfy(b -> assertThat(b).hasSize(5));
        }
    }

    @Test
    void differentSeedsAndEpochsGiveDifferentOrders() {
        int[] lengths = new int[40];
        Arrays.fill(lengths, 3);
        BatchSampler s1 = new BatchSampler(lengths, BatchConfig.of(4).withShuffle(true, 1));
        BatchSampler s2 = new BatchSampler(lengths, BatchConfig.of(4).withShuffle(true, 2));
        assertThat(flat(s1.epoch(0))).isNotEqualTo(flat(s2.epoch(0)));
        assertThat(flat(s1.epoch(0))).isNotEqualTo(flat(s1.epoch(1)));
        assertThatThrownBy(() -> s1.batch(new BatchPosition(0, 10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("batch must be < batchesPerEpoch=10, got 10");
        assertThat(new BatchPosition(0, 9).next(10)).isEqualTo(new BatchPosition(1, 0));
    }

    @Test
    void bucketingReducesPadding() {
        int[] lengths = IntStream.range(0, 400).map(i -> 1 + (i * 7919) % 200).toArray();
        long plain = padding(new BatchSampler(lengths, BatchConfig.of(8)), lengths);
        long bucketed = padding(new BatchSampler(lengths, BatchConfig.of(8).withBucketing(true, 50)), lengths);
        assertThat(bucketed).isLessThan(plain / 4);
    }

    private static long padding(BatchSampler s, int[] lengths) {
        long pad = 0;
        for (int[] b : s.epoch(0)) {
            int max = Arrays.stream(b).map(i -> lengths[i]).max().orElseThrow();
            for (int i : b) {
                pad += max - lengths[i];
            }
        }
        return pad;
    }

    private static List<Integer> flat(List<int[]> batches) {
        List<Integer> out = new ArrayList<>();
        batches.forEach(b -> Arrays.stream(b).forEach(out::add));
        return out;
    }
}
