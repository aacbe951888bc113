package refiners.mesh.orchestrator;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CallerDeadlineTest {
    @Test
    void grpcTimeoutHeadersBecomeDeadlines() {
        long left = CallerDeadline.parse("1500m").timeRemaining(TimeUnit.MILLISECONDS);
        assertTrue(left > 1000 && left <= 1500, "left " + left);
        assertTrue(CallerDeadline.parse("2H").timeRemaining(TimeUnit.MINUTES) > 110);
        assertTrue(CallerDeadline.parse("30S").timeRemaining(TimeUnit.SECONDS) >= 29);
        assertNull(CallerDeadline.parse(null));
        assertNull(CallerDeadline.parse("12x"));
        assertNull(CallerDeadline.parse("m"));
        assertNull(CallerDeadline.parse("abcS"));
    }
}
