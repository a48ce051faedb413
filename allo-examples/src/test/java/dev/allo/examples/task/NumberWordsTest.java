package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NumberWordsTest {

    @Test
    void wordsOfWorkedExamples() {
        assertThat(NumberWords.words(0)).isEqualTo("zero");
        assertThat(NumberWords.words(13)).isEqualTo("thirteen");
        assertThat(NumberWords.words(20)).isEqualTo("twenty");
        assertThat(NumberWords.words(47)).isEqualTo("forty-seven");
        assertThat(NumberWords.words(99)).isEqualTo("ninety-nine");
        assertThat(NumberWords.question(47)).isEqualTo("Write 47 in words.");
        assertThatThrownBy(() -> NumberWords.words(100)).hasMessageContaining("n must be in [0, 99], got 100");
    }

    @Test
    void everyNumberHasItsOwnWords() {
        Set<String> seen = new HashSet<>();
        for (int n = 0; n <= NumberWords.MAX; n++) {
            assertThat(seen.add(NumberWords.words(n))).isTrue();
        }
    }

    @Test
    void gradingTrimsWhiteSpaceOnly() {
        assertThat(NumberWords.isCorrect(" forty-seven\n", 47)).isTrue();
        assertThat(NumberWords.isCorrect("forty seven", 47)).isFalse();
        assertThat(NumberWords.isCorrect("Forty-seven", 47)).isFalse();
    }

    @Test
    void splitIsDisjointCompleteAndSeeded() {
        List<List<Integer>> split = NumberWords.split(7, 30);
        assertThat(split.get(1)).hasSize(30);
        assertThat(split.get(0)).hasSize(70).doesNotContainAnyElementsOf(split.get(1));
        assertThat(NumberWords.split(7, 30)).isEqualTo(split);
        assertThat(NumberWords.split(8, 30)).isNotEqualTo(split);
        assertThatThrownBy(() -> NumberWords.split(7, 0)).hasMessageContaining("test must be in [1, 99], got 0");
    }
}
