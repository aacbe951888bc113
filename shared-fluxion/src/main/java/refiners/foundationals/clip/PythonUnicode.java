package refiners.foundationals.clip;

import java.util.Locale;
import java.util.Map;

/**
 * The few Python str / re (Unicode mode) semantics the CLIP pre-tokenizer relies on, expressed with Java's Unicode
 * database (same definitions as CPython's makeunicodedata, so equal for every code point both Unicode versions know).
 */
final class PythonUnicode {
    /**
     * re.IGNORECASE equivalents of ASCII letters beyond their other ASCII case (CPython sre's case-fix table, restricted
     * to ASCII letters): [a-zA-Z] or the literal "s" also match these.
     */
    private static final Map<Character, String> EXTRA_CASE_EQUIVALENTS = Map.of(
            'i', "\u0130\u0131", // İ, dotless ı
            'k', "\u212A",       // Kelvin sign
            's', "\u017F");      // long s ſ

    private PythonUnicode() {}

    /** str.lower(): the full (SpecialCasing) lowercase mapping without locale, e.g. 'İ' -> "i̇", final sigma aware. */
    static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }

    /** Python's \s and str.isspace(): bidirectional class WS, B or S, or category Zs (includes \x1c-\x1f, \x85). */
    static boolean isSpace(int cp) {
        byte bidi = Character.getDirectionality(cp);
        return Character.getType(cp) == Character.SPACE_SEPARATOR
                || bidi == Character.DIRECTIONALITY_WHITESPACE
                || bidi == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR
                || bidi == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
    }

    /**
     * Python's \w: str.isalnum() or '_'. isalnum = isalpha (L*) or isdecimal/isdigit/isnumeric (Nd, Nl, No): combining
     * marks (Mn, Mc) are not word characters, unlike Java's \w with UNICODE_CHARACTER_CLASS.
     */
    static boolean isWordChar(int cp) {
        if (cp == '_') return true;
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                    Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }

    /** Whether cp matches an ASCII pattern character (a literal) under re.IGNORECASE. */
    static boolean matchesIgnoreCase(int cp, char patternChar) {
        char lower = Character.toLowerCase(patternChar);
        if (cp == lower || cp == Character.toUpperCase(patternChar)) return true;
        String extra = EXTRA_CASE_EQUIVALENTS.get(lower);
        return extra != null && cp < Character.MIN_SUPPLEMENTARY_CODE_POINT && extra.indexOf(cp) >= 0;
    }

    /** Whether cp matches [a-zA-Z] under re.IGNORECASE. */
    static boolean isAsciiLetterIgnoreCase(int cp) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return true;
        for (Map.Entry<Character, String> e : EXTRA_CASE_EQUIVALENTS.entrySet())
            if (cp < Character.MIN_SUPPLEMENTARY_CODE_POINT && e.getValue().indexOf(cp) >= 0) return true;
        return false;
    }
}
