package refiners.fluxion.layers;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** Builds a layer's printed attributes the way refiners (Python str()) shows them: 1e-06, (3, 3), True. */
public final class Attributes {
    private final List<String> items = new ArrayList<>();

    public Attributes add(String name, Object value) {
        items.add(name + "=" + format(value));
        return this;
    }

    /** Adds the attribute only when it differs from its default, as refiners prints constructor arguments. */
    public Attributes addIfNot(String name, Object value, Object defaultValue) {
        if (!format(value).equals(format(defaultValue))) add(name, value);
        return this;
    }

    public static String format(Object v) {
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (v instanceof Double || v instanceof Float) return formatFloat(((Number) v).doubleValue());
        if (v instanceof long[] a) return tuple(java.util.Arrays.stream(a).mapToObj(Long::toString).toList());
        if (v instanceof int[] a) return tuple(java.util.Arrays.stream(a).mapToObj(Integer::toString).toList());
        return String.valueOf(v);
    }

    private static String tuple(List<String> parts) {
        return "(" + String.join(", ", parts) + (parts.size() == 1 ? ",)" : ")");
    }

    /** Python's repr of a float: shortest digits, scientific notation below 1e-4 or from 1e16. */
    public static String formatFloat(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
        String sign = d < 0 ? "-" : "";
        if (exp < -4 || exp >= 16) {
            String mant = digits.length() > 1 ? digits.charAt(0) + "." + digits.substring(1) : digits;
            return sign + mant + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
        }
        String plain = bd.toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }

    @Override
    public String toString() {
        return String.join(", ", items);
    }
}
