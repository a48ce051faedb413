package dev.allo.scorer;

import dev.allo.data.Fingerprint;
import dev.allo.data.TokenizedPair;

/**
 * Model-free token reward: aligns the rejected response {@code a} (length {@code n}) to a target {@code b} (length
 * {@code m}: the reference solution's ids when the pair has them, else the chosen response's ids) with the
 * Levenshtein recurrence at token level, and marks {@code r_j = 1} on every rejected token the alignment substitutes
 * (aligned to a different target token) or inserts (a rejected token with no target counterpart); matched tokens get
 * 0. Target tokens missing from the rejected response (deletions) mark nothing, so a rejected response that only
 * omits tokens scores all zeros.
 *
 * <p>Costs: match 0, substitution 1, insertion 1, deletion 1;
 * {@code D[i][j] = min(D[i-1][j-1] + [a_i != b_j], D[i-1][j] + 1, D[i][j-1] + 1)}.
 *
 * <p>Tie-breaking: several alignments can share the minimal cost. The backtrace starts at {@code (n, m)} and at
 * every cell takes the first optimal move in the order <em>diagonal</em> (match or substitution), <em>up</em>
 * (insertion of {@code a_i}), <em>left</em> (deletion of {@code b_j}). So, walking from the end, the scorer prefers
 * to pair tokens up, and among unpaired rejected tokens it marks the later ones first. Example: {@code a = x y x},
 * {@code b = x} marks the first two tokens, {@code 1 1 0}.
 *
 * <p>Cost: {@code O(n * m)} time and {@code (n + 1) * (m + 1)} bytes for the backtrace. The chosen response is not
 * weighted.
 */
public final class EditDistanceTokenScorer implements TokenScorer {

    static final EditDistanceTokenScorer INSTANCE = new EditDistanceTokenScorer();

    private static final byte DIAGONAL = 0;
    private static final byte UP = 1;
    private static final byte LEFT = 2;

    private EditDistanceTokenScorer() {
    }

    @Override
    public TokenScores score(TokenizedPair pair) {
        int[] target = pair.referenceIds().orElseGet(pair::chosenIds);
        return TokenScores.ofRejected(marks(pair.rejectedIds(), target));
    }

    /**
     * The marks for a rejected sequence against a target, by the rule and tie-breaking of the class comment.
     *
     * @param rejected the rejected token ids {@code a}
     * @param target the target token ids {@code b}
     * @return {@code r}, one 0/1 weight per rejected token
     * @throws IllegalArgumentException if the backtrace table would exceed {@code Integer.MAX_VALUE} cells
     */
    public static float[] marks(int[] rejected, int[] target) {
        int n = rejected.length;
        int m = target.length;
        long cells = (long) (n + 1) * (m + 1);
        if (cells > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("alignment of " + n + " x " + m + " tokens needs " + cells
                    + " cells, more than " + Integer.MAX_VALUE);
        }
        byte[] move = new byte[(int) cells]; // move[i * (m + 1) + j]: the chosen optimal move into cell (i, j)
        int[] prev = new int[m + 1];
        int[] cur = new int[m + 1];
        for (int j = 0; j <= m; j++) {
            prev[j] = j;
            move[j] = LEFT;
        }
        for (int i = 1; i <= n; i++) {
            cur[0] = i;
            move[i * (m + 1)] = UP;
            int ai = rejected[i - 1];
            for (int j = 1; j <= m; j++) {
                int diag = prev[j - 1] + (ai == target[j - 1] ? 0 : 1);
                int up = prev[j] + 1;
                int left = cur[j - 1] + 1;
                // Tie order: diagonal, then up, then left.
                if (diag <= up && diag <= left) {
                    cur[j] = diag;
                    move[i * (m + 1) + j] = DIAGONAL;
                } else if (up <= left) {
                    cur[j] = up;
                    move[i * (m + 1) + j] = UP;
                } else {
                    cur[j] = left;
                    move[i * (m + 1) + j] = LEFT;
                }
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        float[] r = new float[n];
        int i = n;
        int j = m;
        while (i > 0) {
            byte mv = j == 0 ? UP : move[i * (m + 1) + j];
            if (mv == DIAGONAL) {
                r[i - 1] = rejected[i - 1] == target[j - 1] ? 0f : 1f;
                i--;
                j--;
            } else if (mv == UP) {
                r[i - 1] = 1f;
                i--;
            } else {
                j--;
            }
        }
        return r;
    }

    @Override
    public void fingerprint(Fingerprint.Builder into) {
        into.add("scorer", "edit-distance/v1/levenshtein-unit-costs/ties=diagonal,up,left");
    }

    @Override
    public String toString() {
        return "TokenScorer.editDistance()";
    }
}
