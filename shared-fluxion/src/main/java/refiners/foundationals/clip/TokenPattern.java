package refiners.foundationals.clip;

import java.util.ArrayList;
import java.util.List;

/**
 * refiners' CLIP pre-tokenizer with Python's semantics: text.lower(), whitespace runs collapsed to one space, then
 * re.findall of
 * <pre>{@code <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[a-zA-Z]+|[0-9]|(?:[^\s\w]|_)+}</pre>
 * with re.IGNORECASE and Python's Unicode \s and \w. The alternatives are tried in that order at each position; a
 * position where none matches is skipped, which is how non-ASCII letters and digits get dropped. The special-token
 * texts are not special: their match is byte-pair encoded like any other.
 */
final class TokenPattern {
    private static final List<String> LITERALS = List.of(
            "<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d");

    private TokenPattern() {}

    /** text.lower() then re.sub(r"\s+", " ", ...). */
    static String clean(String text) {
        String lower = PythonUnicode.lower(text);
        StringBuilder out = new StringBuilder(lower.length());
        boolean inSpace = false;
        for (int i = 0; i < lower.length(); ) {
            int cp = lower.codePointAt(i);
            i += Character.charCount(cp);
            boolean space = PythonUnicode.isSpace(cp);
            if (!space) out.appendCodePoint(cp);
            else if (!inSpace) out.append(' ');
            inSpace = space;
        }
        return out.toString();
    }

    /** re.findall on an already cleaned text: the pre-tokens, in order. */
    static List<String> findAll(String text) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int end = matchAt(text, i);
            if (end > i) {
                tokens.add(text.substring(i, end));
                i = end;
            } else {
                i += Character.charCount(text.codePointAt(i));
            }
        }
        return tokens;
    }

    /** End of the first alternative matching at start, or start when none does. */
    private static int matchAt(String text, int start) {
        for (String literal : LITERALS) {
            int end = matchLiteral(text, start, literal);
            if (end > start) return end;
        }
        int end = start;
        while (end < text.length() && PythonUnicode.isAsciiLetterIgnoreCase(text.codePointAt(end)))
            end += Character.charCount(text.codePointAt(end));
        if (end > start) return end;
        char first = text.charAt(start);
        if (first >= '0' && first <= '9') return start + 1;
        while (end < text.length() && isSymbol(text.codePointAt(end)))
            end += Character.charCount(text.codePointAt(end));
        return end;
    }

    private static int matchLiteral(String text, int start, String literal) {
        int i = start;
        for (int k = 0; k < literal.length(); k++) {
            if (i >= text.length()) return start;
            int cp = text.codePointAt(i);
            if (!PythonUnicode.matchesIgnoreCase(cp, literal.charAt(k))) return start;
            i += Character.charCount(cp);
        }
        return i;
    }

    /** (?:[^\s\w]|_) */
    private static boolean isSymbol(int cp) {
        return cp == '_' || !(PythonUnicode.isSpace(cp) || PythonUnicode.isWordChar(cp));
    }
}
