package dev.allo.examples.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProblemConfigTest {
    @Test
    void defaultsAreOneToThreeStepsOfSmallOperandsWithEveryOperation() {
        ProblemConfig config = ProblemConfig.defaults();
        assertThat(config.minSteps()).isEqualTo(1);
        assertThat(config.maxSteps()).isEqualTo(3);
        assertThat(config.minOperand()).isEqualTo(1);
        assertThat(config.maxOperand()).isEqualTo(9);
        assertThat(config.minMultiplier()).isEqualTo(2);
        assertThat(config.maxMultiplier()).isEqualTo(3);
        assertThat(config.maxValue()).isEqualTo(99);
        assertThat(config.operations()).containsExactlyInAnyOrder(Operation.values());
    }

    @Test
    void withersChangeOnlyTheirKnob() {
        ProblemConfig config = ProblemConfig.defaults().withSteps(2, 4).withOperands(3, 20).withMultipliers(2, 5)
                .withMaxValue(500).withOperations(EnumSet.of(Operation.ADD));
        assertThat(config).isEqualTo(new ProblemConfig(2, 4, 3, 20, 2, 5, 500, EnumSet.of(Operation.ADD)));
    }

    @Test
    void operationsAreCopiedAndUnmodifiable() {
        Set<Operation> allowed = new HashSet<>(Set.of(Operation.ADD));
        ProblemConfig config = ProblemConfig.defaults().withOperations(allowed);
        allowed.add(Operation.MULTIPLY);
        assertThat(config.operations()).containsExactly(Operation.ADD);
        assertThatThrownBy(() -> config.operations().add(Operation.SUBTRACT))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void badKnobsAreRejectedNamingTheFieldTheBoundsAndTheValue() {
        ProblemConfig d = ProblemConfig.defaults();
        assertThatThrownBy(() -> d.withSteps(0, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("minSteps must be in [1, 5], got 0");
        assertThatThrownBy(() -> d.withSteps(3, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxSteps must be in [minSteps=3, 5], got 2");
        assertThatThrownBy(() -> d.withSteps(1, 6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxSteps must be in [minSteps=1, 5], got 6");
        assertThatThrownBy(() -> d.withOperands(0, 9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("minOperand must be >= 1, got 0");
        assertThatThrownBy(() -> d.withOperands(1, 100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxOperand must be in [minOperand=1, maxValue=99], got 100");
        assertThatThrownBy(() -> d.withMultipliers(1, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("minMultiplier must be >= 2, got 1");
        assertThatThrownBy(() -> d.withMultipliers(3, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxMultiplier must be in [minMultiplier=3, 1000000], got 2");
        assertThatThrownBy(() -> d.withMaxValue(2_000_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxValue must be in [1, 1000000], got 2000000");
        assertThatThrownBy(() -> d.withOperations(Set.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("operations must name at least one operation, got []");
        Set<Operation> withNull = new HashSet<>();
        withNull.add(null);
        assertThatThrownBy(() -> d.withOperations(withNull)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("operations must not contain null, got [null]");
    }
}
