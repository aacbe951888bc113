package refiners.oracle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Concatenate;
import refiners.fluxion.layers.GeLU;
import refiners.fluxion.layers.Identity;
import refiners.fluxion.layers.LayerNorm;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.Multiply;
import refiners.fluxion.layers.Parallel;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.layers.Sum;

/**
 * Builds layers from the Python expressions oracle manifests use to describe compositions, e.g.
 * "fl.Chain(fl.Linear(D,2D), fl.SiLU())", where D is the input's last dimension. Unknown layers fail.
 */
final class LayerExpression {
    private final String src;
    private final long d;
    private int pos;

    private record Call(String name, List<Object> args, Map<String, Object> kwargs) {}

    private LayerExpression(String src, long d) {
        this.src = src;
        this.d = d;
    }

    static Module build(String expression, long d) {
        LayerExpression p = new LayerExpression(expression, d);
        Object v = p.value();
        p.skipSpaces();
        if (p.pos != p.src.length()) throw new IllegalArgumentException("trailing text in " + expression);
        if (!(v instanceof Call c)) throw new IllegalArgumentException("not a layer: " + expression);
        return toModule(c);
    }

    static Module toModule(Call c) {
        List<Module> children = new ArrayList<>();
        for (Object a : c.args) if (a instanceof Call sub) children.add(toModule(sub));
        return switch (c.name) {
            case "fl.Linear" -> new Linear(num(c, 0, "in_features"), num(c, 1, "out_features"), bool(c, 2, "bias", true));
            case "fl.GeLU" -> new GeLU();
            case "fl.SiLU" -> new SiLU();
            case "fl.Identity" -> new Identity();
            case "fl.LayerNorm" -> new LayerNorm(num(c, 0, "normalized_shape"));
            case "fl.Multiply" -> new Multiply(dbl(c, 0, "scale", 1.0), dbl(c, 1, "bias", 0.0));
            case "fl.Chain" -> new Chain(children);
            case "fl.Sum" -> new Sum(children);
            case "fl.Residual" -> new Residual(children);
            case "fl.Parallel" -> new Parallel(children.toArray(Module[]::new));
            case "fl.Concatenate" -> new Concatenate((int) dbl(c, -1, "dim", 0), children.toArray(Module[]::new));
            default -> throw new IllegalArgumentException("unknown layer in expression: " + c.name);
        };
    }

    private static Object arg(Call c, int i, String kw) {
        if (c.kwargs.containsKey(kw)) return c.kwargs.get(kw);
        return i >= 0 && i < c.args.size() ? c.args.get(i) : null;
    }

    private static int num(Call c, int i, String kw) {
        Object v = arg(c, i, kw);
        if (!(v instanceof Number n)) throw new IllegalArgumentException(c.name + ": missing " + kw);
        return n.intValue();
    }

    private static double dbl(Call c, int i, String kw, double def) {
        Object v = arg(c, i, kw);
        return v instanceof Number n ? n.doubleValue() : def;
    }

    private static boolean bool(Call c, int i, String kw, boolean def) {
        Object v = arg(c, i, kw);
        return v instanceof Boolean b ? b : def;
    }

    private Object value() {
        skipSpaces();
        int start = pos;
        if (Character.isLetter(src.charAt(pos))) {
            while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '.' || src.charAt(pos) == '_')) pos++;
            String name = src.substring(start, pos);
            if (name.equals("True") || name.equals("False")) return name.equals("True");
            if (name.equals("D")) return d;
            expect('(');
            List<Object> args = new ArrayList<>();
            Map<String, Object> kwargs = new LinkedHashMap<>();
            skipSpaces();
            if (src.charAt(pos) != ')') {
                while (true) {
                    skipSpaces();
                    int save = pos;
                    while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
                    skipSpaces();
                    if (pos < src.length() && src.charAt(pos) == '=' && pos > save) {
                        String kw = src.substring(save, pos).trim();
                        pos++;
                        kwargs.put(kw, value());
                    } else {
                        pos = save;
                        args.add(value());
                    }
                    skipSpaces();
                    if (src.charAt(pos) == ',') { pos++; continue; }
                    break;
                }
            }
            expect(')');
            return new Call(name, args, kwargs);
        }
        // number, optionally followed by D (e.g. 2D)
        while (pos < src.length() && "+-.0123456789eE".indexOf(src.charAt(pos)) >= 0) pos++;
        double n = Double.parseDouble(src.substring(start, pos));
        if (pos < src.length() && src.charAt(pos) == 'D') {
            pos++;
            return (long) (n * d);
        }
        return n == Math.rint(n) && !src.substring(start, pos).contains(".") ? (Object) (long) n : (Object) n;
    }

    private void expect(char c) {
        skipSpaces();
        if (pos >= src.length() || src.charAt(pos) != c) throw new IllegalArgumentException("expected '" + c + "' at " + pos + " in " + src);
        pos++;
    }

    private void skipSpaces() {
        while (pos < src.length() && src.charAt(pos) == ' ') pos++;
    }
}
