package dev.allo.examples.task;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Aligns a prediction's written equations with the true steps by a weighted edit distance, so that each written line
 * is either matched to a true step (and corrected in place), or deleted, and each unmatched true step is inserted.
 *
 * <p>Costs: matching written {@code a op b = c} with the true {@code prev op' b' = res} costs {@code 1·[a≠prev] +
 * 2·[op≠op'] + 2·[b≠b'] + 1·[c≠res]}; the operation and operand weigh more because they name the step in the problem
 * text, while {@code a} and {@code c} are running totals that an earlier slip propagates into. Inserting or deleting
 * a line costs {@value #GAP}, more than any match (at most 6), so equal counts always align one to one and the
 * alignment never both inserts and deletes.
 */
final class StepAligner {
    /** The cost of inserting or deleting one line. */
    static final int GAP = 7;

    /** One move of the alignment, in reading order. */
    enum Move {
        /** Written equation {@code written} is corrected into true step {@code truth}. */
        MATCH,
        /** Written equation {@code written} is removed. */
        DELETE,
        /** True step {@code truth} is inserted. */
        INSERT
    }

    /**
     * One aligned pair; an index is -1 when the move has no such side.
     *
     * @param move the move
     * @param written the index of the written equation, or -1
     * @param truth the index of the true step, or -1
     */
    record Pair(Move move, int written, int truth) {}

    private StepAligner() {}

    /** The cheapest alignment; ties prefer matching, then deleting, from the last line backwards. */
    static List<Pair> align(List<PredictionLayout.WrittenEquation> written, List<Equation> truth) {
        int m = written.size();
        int n = truth.size();
        int[][] cost = new int[m + 1][n + 1];
        for (int j = 0; j <= m; j++) {
            for (int i = 0; i <= n; i++) {
                if (j == 0 || i == 0) {
                    cost[j][i] = GAP * (i + j);
                } else {
                    int match = cost[j - 1][i - 1] + mismatch(written.get(j - 1), truth.get(i - 1));
                    cost[j][i] = Math.min(match, Math.min(cost[j - 1][i], cost[j][i - 1]) + GAP);
                }
            }
        }
        List<Pair> moves = new ArrayList<>();
        int j = m;
        int i = n;
        while (j > 0 || i > 0) {
            if (j > 0 && i > 0
                    && cost[j][i] == cost[j - 1][i - 1] + mismatch(written.get(j - 1), truth.get(i - 1))) {
                moves.add(new Pair(Move.MATCH, --j, --i));
            } else if (j > 0 && cost[j][i] == cost[j - 1][i] + GAP) {
                moves.add(new Pair(Move.DELETE, --j, -1));
            } else {
                moves.add(new Pair(Move.INSERT, -1, --i));
            }
        }
        Collections.reverse(moves);
        return moves;
    }

    /** The weighted number of slots in which a written equation differs from a true step. */
    static int mismatch(PredictionLayout.WrittenEquation written, Equation truth) {
        return differs(written.left(), truth.left())
                + 2 * (written.operator().operation() == truth.operation() ? 0 : 1)
                + 2 * differs(written.right(), truth.right())
                + differs(written.result(), truth.result());
    }

    private static int differs(MathToken number, long value) {
        return number.number().equals(BigInteger.valueOf(value)) ? 0 : 1;
    }
}
