package refiners.foundationals.clip;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's bytes_to_unicode table: every byte gets a printable character so that byte-level BPE merges can be written as
 * text. Printable bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves; the 68 others are shifted to U+0100.. in
 * ascending order. The vocabulary lists the 256 byte symbols in "printable first, then shifted" order.
 */
final class ByteToUnicode {
    private static final char[] SYMBOL_OF_BYTE = new char[256];
    private static final String SYMBOLS_IN_VOCABULARY_ORDER;

    static {
        StringBuilder printable = new StringBuilder(), shifted = new StringBuilder();
        int next = 256;
        for (int b = 0; b < 256; b++) {
            char c = isPrintable(b) ? (char) b : (char) next++;
            SYMBOL_OF_BYTE[b] = c;
            (isPrintable(b) ? printable : shifted).append(c);
        }
        SYMBOLS_IN_VOCABULARY_ORDER = printable.append(shifted).toString();
    }

    private ByteToUnicode() {}

    private static boolean isPrintable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** The 256 single-byte symbols, in vocabulary id order. */
    static String symbolsInVocabularyOrder() {
        return SYMBOLS_IN_VOCABULARY_ORDER;
    }

    /** Whether a symbol character stands for a non-printable (shifted) byte. */
    static boolean isShifted(char c) {
        return c >= 256;
    }

    /** The UTF-8 bytes of a pre-token, one symbol character per byte. Python raises on lone surrogates: so do we. */
    static String encode(String token) {
        ByteBuffer utf8;
        try {
            utf8 = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(token));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("text is not encodable as UTF-8 (lone surrogate?): " + token, e);
        }
        StringBuilder out = new StringBuilder(utf8.remaining());
        while (utf8.hasRemaining()) out.append(SYMBOL_OF_BYTE[utf8.get() & 0xFF]);
        return out.toString();
    }
}
