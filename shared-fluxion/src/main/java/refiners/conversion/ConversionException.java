package refiners.conversion;

import java.util.List;

/** Weights that do not fit a model: every missing, unexpected and mis-shaped key, in one message. */
public class ConversionException extends IllegalArgumentException {
    public ConversionException(String message) {
        super(message);
    }

    static String list(String what, List<String> keys) {
        if (keys.isEmpty()) return "";
        int shown = Math.min(keys.size(), 12);
        return "\n  " + keys.size() + " " + what + ": " + String.join(", ", keys.subList(0, shown)) + (keys.size() > shown ? ", ... (" + (keys.size() - shown) + " more)" : "");
    }
}
