package dev.allo.impl.chat;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.mode.ExecutionMode;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;

/**
 * Prints the value of each {@code {{ expression }}} as Jinja2 does, with Python's {@code str()} ({@link PythonStr}),
 * and gives the filter {@code string} the same conversion. Installed as the engine's execution mode, which sets the
 * expression strategy of every render's context. Output is never escaped and never interpreted again.
 */
final class PythonOutput implements ExecutionMode, ExpressionStrategy {
    private static final long serialVersionUID = 1L;

    @Override
    public void prepareContext(Context context) {
        context.setExpressionStrategy(this);
    }

    @Override
    public RenderedOutputNode interpretOutput(ExpressionToken token, JinjavaInterpreter interpreter) {
        Object value = interpreter.resolveELExpression(token.getExpr(), token.getLineNumber());
        return new RenderedOutputNode(PythonStr.str(value));
    }

    /**
     * The filter {@code string}: Python's {@code str()}.
     *
     * @return the filter
     */
    static Filter stringFilter() {
        return new StringFilter();
    }

    private static final class StringFilter implements Filter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PythonStr.str(var);
        }
    }
}
