package refiners.conversion;

import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * What a family's single-file checkpoint must hold, checked on its keys before anything is mapped: no key of the other
 * family (said as such, so the user knows where the file goes), no unknown key, at least one key of its UNet.
 */
record SingleFileKeys(String otherFamilyPrefix, String otherFamilyMessage, Predicate<String> known, String unknownHint,
        String requiredPrefix, String missingMessage) {

    void check(Path file, Iterable<String> keys) {
        boolean required = false;
        for (String k : keys) {
            if (k.startsWith(otherFamilyPrefix)) throw new ConversionException(file + otherFamilyMessage);
            if (!known.test(k)) throw new ConversionException(file + ": unexpected key " + k + " (" + unknownHint + ")");
            required |= k.startsWith(requiredPrefix);
        }
        if (!required) throw new ConversionException(file + ": no " + requiredPrefix + "* keys: " + missingMessage);
    }
}
