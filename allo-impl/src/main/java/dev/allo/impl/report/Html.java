package dev.allo.impl.report;

import java.util.Locale;

/** Escaping and number formatting for the HTML report. */
final class Html {
    private Html() {}

    /** Text with {@code & < > " '} escaped, for element content and attribute values. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A number for reading: 4 significant digits, without exponent between 1e-3 and 1e5. */
    static String number(double v) {
        if (!Double.isFinite(v)) {
            return Double.toString(v);
        }
        double a = Math.abs(v);
        if (v == Math.rint(v) && a < 1e9) {
            return Long.toString((long) v);
        }
        if (a != 0 && (a < 1e-3 || a >= 1e5)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return String.format(Locale.ROOT, "%.4g", v);
    }

    /** A coordinate with two decimals. */
    static String coordinate(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /**
     * A tick label: as many decimals as the tick needs ({@code 0.67, 0.68} for a tick of 0.01), in scientific
     * notation below 1e-3 or from 1e5 on ({@code 3.0e-04}).
     */
    static String tick(double value, double tick) {
        if (value == 0) {
            return "0";
        }
        int tickExponent = (int) Math.floor(Math.log10(tick) + 1e-9);
        double largest = Math.max(Math.abs(value), tick);
        if (tick >= 1e-3 && largest < 1e5) {
            return String.format(Locale.ROOT, "%." + Math.max(0, -tickExponent) + "f", value);
        }
        int valueExponent = (int) Math.floor(Math.log10(Math.abs(value)) + 1e-9);
        return String.format(Locale.ROOT, "%." + Math.min(6, Math.max(1, valueExponent - tickExponent)) + "e", value);
    }
}
