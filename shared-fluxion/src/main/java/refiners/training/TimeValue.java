package refiners.training;

import java.util.Locale;

/**
 * A duration in training time, as refiners writes it: "1000:step", "4:iteration", "10:epoch" (a bare number is steps).
 * A step is one batch (forward and backward), an iteration one optimizer update (gradient_accumulation steps), an
 * epoch one pass over the dataset.
 */
public record TimeValue(long number, Unit unit) {
    public enum Unit { STEP, ITERATION, EPOCH }

    public static TimeValue parse(String key, Object value) {
        if (value instanceof Number n) return new TimeValue(checked(key, n.longValue(), value), Unit.STEP);
        String s = String.valueOf(value).trim();
        int colon = s.indexOf(':');
        String number = colon < 0 ? s : s.substring(0, colon), unit = colon < 0 ? "step" : s.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
        long n;
        try {
            n = Long.parseLong(number.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must look like \"100:step\", \"10:iteration\" or \"2:epoch\", got \"" + s + "\"");
        }
        Unit u = switch (unit) {
            case "step", "steps" -> Unit.STEP;
            case "iteration", "iterations" -> Unit.ITERATION;
            case "epoch", "epochs" -> Unit.EPOCH;
            default -> throw new IllegalArgumentException(key + ": unknown unit '" + unit + "' in \"" + s + "\" (step, iteration or epoch)");
        };
        return new TimeValue(checked(key, n, s), u);
    }

    private static long checked(String key, long n, Object raw) {
        if (n < 0) throw new IllegalArgumentException(key + " must not be negative, got " + raw);
        return n;
    }

    /** In steps, given the steps per iteration and per epoch. */
    public long steps(long perIteration, long perEpoch) {
        return switch (unit) {
            case STEP -> number;
            case ITERATION -> number * perIteration;
            case EPOCH -> number * perEpoch;
        };
    }

    @Override
    public String toString() {
        return number + ":" + unit.name().toLowerCase(Locale.ROOT);
    }
}
