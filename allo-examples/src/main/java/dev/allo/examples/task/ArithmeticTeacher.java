package dev.allo.examples.task;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The programmatic teacher: the stand-in for the paper's GPT-4 rewrites (Sec. 4.2, Table 6 "Solution Rewriting"),
 * which turn a wrong prediction into a correct one with minimal modifications. Knowing the true computation, it
 * edits only what must change and keeps every other character of the prediction, its wording included.
 *
 * <p>Algorithm:
 *
 * <ol>
 *   <li>Locate the computation in the prediction ({@code a op b = c} equations, the number restating the start count
 *       before them, the number after the last "The answer is").
 *   <li>Align the written equations with the true steps ({@link StepAligner}: a weighted edit distance in which an
 *       equation's operation and operand identify its step).
 *   <li>In every matched equation replace each number or operation symbol that differs from the true step's; an
 *       earlier slip thus gets fixed together with every later number it propagated into. Replace the start count and
 *       the answer if they differ. Delete the sentence of an equation that matches no step; insert the reference line
 *       of a step that no equation matches, before the sentence of the next written equation (or of the answer).
 * </ol>
 *
 * <p>Every number of the result is then the reference's and every other character the prediction's (apart from
 * inserted or deleted lines). When the prediction cannot be mapped this way (no "The answer is", more than one, or no
 * plain integer after it; a number that is neither start count, equation nor answer; an equation after the answer; a
 * superfluous equation sharing its sentence with other numbers; or a missing step with no sentence boundary to go
 * at) the teacher falls back to the reference solution and says why in {@link Rewrite#reason()}.
 *
 * <p>A prediction whose final answer is right but whose working is not (e.g. {@code 2 + 2 = 4} written for {@code 2
 * * 2 = 4}) is corrected too: the teacher checks the whole computation, not only the answer.
 */
public final class ArithmeticTeacher {

    /** Creates a teacher; it holds no state. */
    public ArithmeticTeacher() {}

    /**
     * The minimally corrected version of a prediction.
     *
     * @param problem the problem with its true computation
     * @param prediction the model's (possibly wrong) step-by-step solution
     * @return the corrected prediction, or the reference solution with the reason when the prediction's structure is
     *     unrecoverable
     */
    public Rewrite rewrite(Problem problem, String prediction) {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(prediction, "prediction");
        try {
            return correct(problem, PredictionLayout.parse(prediction));
        } catch (UnrecoverablePredictionException e) {
            return new Rewrite(problem.referenceSolution(), Rewrite.Outcome.REFERENCE_FALLBACK, 0, 0, 0,
                    e.getMessage());
        }
    }

    /** One text edit: replace {@code [from, to)} by {@code replacement} (an insertion when {@code from == to}). */
    private record Edit(int from, int to, String replacement) {}

    private Rewrite correct(Problem problem, PredictionLayout layout) throws UnrecoverablePredictionException {
        List<Equation> truth = problem.equations();
        List<PredictionLayout.WrittenEquation> written = layout.equations();
        List<StepAligner.Pair> moves = StepAligner.align(written, truth);
        List<Edit> edits = new ArrayList<>();
        int inserted = 0;
        int deleted = 0;
        if (layout.start() != null) {
            replaceNumber(layout.start(), problem.start(), edits);
        }
        for (int k = 0; k < moves.size(); k++) {
            StepAligner.Pair pair = moves.get(k);
            switch (pair.move()) {
                case MATCH -> {
                    PredictionLayout.WrittenEquation equation = written.get(pair.written());
                    Equation step = truth.get(pair.truth());
                    replaceNumber(equation.left(), step.left(), edits);
                    if (equation.operator().operation() != step.operation()) {
                        edits.add(new Edit(equation.operator().start(), equation.operator().end(),
                                step.operation().symbol()));
                    }
                    replaceNumber(equation.right(), step.right(), edits);
                    replaceNumber(equation.result(), step.result(), edits);
                }
                case DELETE -> {
                    edits.add(deletion(layout, pair.written()));
                    deleted++;
                }
                case INSERT -> {
                    edits.add(insertion(layout, moves, k, truth.get(pair.truth())));
                    inserted++;
                }
            }
        }
        replaceNumber(layout.answer(), problem.answer(), edits);
        if (edits.isEmpty()) {
            return new Rewrite(layout.text(), Rewrite.Outcome.UNCHANGED, 0, 0, 0, "");
        }
        int editedSlots = edits.size() - inserted - deleted;
        return new Rewrite(apply(layout.text(), edits), Rewrite.Outcome.EDITED, editedSlots, inserted, deleted, "");
    }

    private static void replaceNumber(MathToken token, long value, List<Edit> edits) {
        if (!token.number().equals(BigInteger.valueOf(value))) {
            edits.add(new Edit(token.start(), token.end(), Long.toString(value)));
        }
    }

    /** Removes the whole sentence of a written equation that matches no step, if it holds nothing else. */
    private static Edit deletion(PredictionLayout layout, int index) throws UnrecoverablePredictionException {
        PredictionLayout.WrittenEquation equation = layout.equations().get(index);
        int from = layout.sentenceStart(equation.left().start());
        int to = layout.sentenceEnd(equation.result().end());
        List<MathToken> others = new ArrayList<>();
        if (layout.start() != null) {
            others.add(layout.start());
        }
        others.add(layout.answer());
        for (int j = 0; j < layout.equations().size(); j++) {
            if (j != index) {
                others.addAll(layout.equations().get(j).slots());
            }
        }
        boolean sharesSentence = layout.answerMarker() >= from && layout.answerMarker() < to;
        for (MathToken other : others) {
            sharesSentence |= other.start() < to && other.end() > from;
        }
        if (sharesSentence) {
            throw new UnrecoverablePredictionException("the superfluous equation at index " + equation.left().start()
                    + " shares its sentence with other numbers of the solution");
        }
        return new Edit(from, to, "");
    }

    /**
     * Inserts the reference line of a missing step before the sentence of the next written equation (or of the
     * answer), followed by the white space that precedes that sentence (a line break when there is none).
     */
    private static Edit insertion(PredictionLayout layout, List<StepAligner.Pair> moves, int k, Equation step)
            throws UnrecoverablePredictionException {
        int previousEnd = layout.start() == null ? 0 : layout.start().end();
        for (int q = k - 1; q >= 0; q--) {
            if (moves.get(q).written() >= 0) {
                previousEnd = Math.max(previousEnd, layout.equations().get(moves.get(q).written()).result().end());
                break;
            }
        }
        int anchor = layout.answerMarker();
        for (int q = k + 1; q < moves.size(); q++) {
            if (moves.get(q).written() >= 0) {
                anchor = layout.equations().get(moves.get(q).written()).left().start();
                break;
            }
        }
        int point = layout.sentenceStart(anchor);
        if (point < previousEnd) {
            throw new UnrecoverablePredictionException("the missing step " + step.format()
                    + " has no sentence boundary to go at between index " + previousEnd + " and " + anchor);
        }
        String separator = layout.whitespaceBefore(point);
        return new Edit(point, point, SolutionWriter.line(step) + (separator.isEmpty()
                ? SolutionWriter.LINE_BREAK : separator));
    }

    /** Applies non-overlapping edits; insertions at a replaced token's start go before it. */
    private static String apply(String text, List<Edit> edits) {
        List<Edit> ordered = new ArrayList<>(edits);
        ordered.sort(Comparator.comparingInt(Edit::from).thenComparingInt(Edit::to));
        StringBuilder out = new StringBuilder(text.length() + 32);
        int cursor = 0;
        for (Edit edit : ordered) {
            out.append(text, cursor, edit.from()).append(edit.replacement());
            cursor = edit.to();
        }
        return out.append(text, cursor, text.length()).toString();
    }
}
