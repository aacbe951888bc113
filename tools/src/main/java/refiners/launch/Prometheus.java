package refiners.launch;

import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Samples of a service's Prometheus text (/q/metrics), as the benches and end-to-end tests read them. */
public final class Prometheus {
    private Prometheus() {}

    /** A sample's value ("name" or "name{labels}" exactly as printed), if present; an exemplar may follow it. */
    public static OptionalDouble sample(String metricsText, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)( #.*)?$").matcher(metricsText);
        return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
    }
}
