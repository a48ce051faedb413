package dev.allo.impl.report;

import dev.allo.mask.NeuronMask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stage's mask as an SVG heat map: one row per kind of tensor of a decoder layer (the name after
 * {@code layers.<i>.}, such as {@code self_attn.q_proj.weight}), one column per layer, each cell coloured by the
 * fraction of that tensor's weights the mask selects ({@code selected / size}, white at 0, dark blue at the largest
 * fraction of the map), and a last row {@code all} with each layer's fraction over all its tensors. Tensors outside
 * the layers (embeddings, final norm, head) are listed separately by {@link #otherTensors}.
 *
 * <p>Cells carry {@code class="cell"}, {@code data-tensor} and {@code data-fraction} for checks.
 */
public final class MaskHeatMap {
    private static final Pattern LAYER = Pattern.compile("^(.*?)layers\\.(\\d+)\\.(.+)$");
    private static final int CELL_W = 22;
    private static final int CELL_H = 18;
    private static final int LEFT = 190;
    private static final int TOP = 30;

    private MaskHeatMap() {}

    /**
     * Renders the heat map.
     *
     * @param stage the stage, for the title
     * @param mask the stage's mask
     * @return the {@code svg} element, or an empty string if no tensor name has a layer index
     */
    public static String render(String stage, NeuronMask mask) {
        Map<String, Map<Integer, String>> rows = new LinkedHashMap<>(); // kind -> layer -> tensor name
        Set<Integer> layers = new TreeSet<>();
        for (String name : mask.tensorNames()) {
            Matcher m = LAYER.matcher(name);
            if (m.matches()) {
                int layer = Integer.parseInt(m.group(2));
                layers.add(layer);
                rows.computeIfAbsent(m.group(3), k -> new LinkedHashMap<>()).put(layer, name);
            }
        }
        if (layers.isEmpty()) {
            return "";
        }
        Map<Integer, long[]> perLayer = new LinkedHashMap<>(); // layer -> {selected, size}
        double max = 0;
        for (Map<Integer, String> row : rows.values()) {
            for (Map.Entry<Integer, String> e : row.entrySet()) {
                long[] s = perLayer.computeIfAbsent(e.getKey(), k -> new long[2]);
                s[0] += mask.selectedCount(e.getValue());
                s[1] += mask.size(e.getValue());
                max = Math.max(max, mask.ratio(e.getValue()));
            }
        }
        double scale = max > 0 ? max : 1;
        List<Integer> columns = new ArrayList<>(layers);
        int width = Math.max(LEFT + columns.size() * CELL_W + 20, 640);
        int height = TOP + (rows.size() + 1) * CELL_H + 50;
        StringBuilder svg = new StringBuilder();
        svg.append("<svg class=\"heatmap\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" data-stage=\"")
                .append(Html.escape(stage)).append("\" role=\"img\">\n");
        svg.append("<text x=\"4\" y=\"16\" class=\"chart-title\">").append(Html.escape(stage))
                .append(": selected fraction per tensor and layer (darkest = ")
                .append(String.format(Locale.ROOT, "%.2f%%", 100 * scale)).append(")</text>\n");
        int r = 0;
        for (Map.Entry<String, Map<Integer, String>> row : rows.entrySet()) {
            int y = TOP + r * CELL_H;
            svg.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(y + 13)
                    .append("\" class=\"tick-y\">").append(Html.escape(row.getKey())).append("</text>\n");
            for (int c = 0; c < columns.size(); c++) {
                String tensor = row.getValue().get(columns.get(c));
                if (tensor != null) {
                    cell(svg, LEFT + c * CELL_W, y, tensor, mask.ratio(tensor), scale);
                }
            }
            r++;
        }
        int y = TOP + r * CELL_H;
        svg.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(y + 13)
                .append("\" class=\"tick-y\">all (layer)</text>\n");
        for (int c = 0; c < columns.size(); c++) {
            long[] s = perLayer.get(columns.get(c));
            cell(svg, LEFT + c * CELL_W, y, "layer " + columns.get(c), s[1] == 0 ? 0 : (double) s[0] / s[1], scale);
        }
        for (int c = 0; c < columns.size(); c++) {
            svg.append("<text x=\"").append(LEFT + c * CELL_W + CELL_W / 2).append("\" y=\"")
                    .append(y + CELL_H + 14).append("\" class=\"tick-x\">").append(columns.get(c)).append("</text>\n");
        }
        svg.append("<text x=\"").append(LEFT).append("\" y=\"").append(y + CELL_H + 32)
                .append("\" class=\"axis-label-left\">decoder layer</text>\n");
        return svg.append("</svg>\n").toString();
    }

    private static void cell(StringBuilder svg, int x, int y, String tensor, double fraction, double scale) {
        double t = Math.min(1, fraction / scale);
        int red = (int) Math.round(255 - t * (255 - 8));
        int green = (int) Math.round(255 - t * (255 - 48));
        int blue = (int) Math.round(255 - t * (255 - 107));
        svg.append("<rect class=\"cell\" x=\"").append(x).append("\" y=\"").append(y).append("\" width=\"")
                .append(CELL_W - 1).append("\" height=\"").append(CELL_H - 1).append("\" fill=\"")
                .append(String.format(Locale.ROOT, "#%02x%02x%02x", red, green, blue)).append("\" data-tensor=\"")
                .append(Html.escape(tensor)).append("\" data-fraction=\"").append(fraction).append("\"><title>")
                .append(Html.escape(tensor)).append(": ").append(String.format(Locale.ROOT, "%.4f%%", 100 * fraction))
                .append("</title></rect>\n");
    }

    /**
     * The tensors outside the decoder layers, in mask order.
     *
     * @param mask the mask
     * @return their names
     */
    public static List<String> otherTensors(NeuronMask mask) {
        Set<String> out = new LinkedHashSet<>();
        for (String name : mask.tensorNames()) {
            if (!LAYER.matcher(name).matches()) {
                out.add(name);
            }
        }
        return List.copyOf(out);
    }
}
