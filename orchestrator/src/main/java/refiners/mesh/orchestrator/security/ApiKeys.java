package refiners.mesh.orchestrator.security;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;
import refiners.mesh.orchestrator.OrchestratorConfig;

/**
 * The orchestrator's API keys: from REFINERS_API_KEYS (comma-separated) and/or REFINERS_API_KEYS_FILE (one key per
 * line, e.g. a mounted Kubernetes Secret). No key configured: the front door is open. Only SHA-256 digests are kept
 * and compared (in constant time); keys are never logged, only how many there are.
 */
@ApplicationScoped
public class ApiKeys {
    private static final Logger LOG = Logger.getLogger(ApiKeys.class);
    static final String BEARER = "Bearer ";

    @Inject
    OrchestratorConfig config;

    private final List<byte[]> digests = new ArrayList<>();

    void load(@Observes StartupEvent event) {
        config.apiKeys().ifPresent(k -> k.forEach(this::add));
        config.apiKeysFile().filter(f -> !f.isBlank()).ifPresent(f -> {
            try {
                Files.readAllLines(Path.of(f), StandardCharsets.UTF_8).forEach(this::add);
            } catch (IOException e) {
                throw new UncheckedIOException("refiners.orchestrator.api-keys-file (REFINERS_API_KEYS_FILE): cannot read the key file", e);
            }
        });
        LOG.info(digests.isEmpty() ? "API keys: none configured, Generate and /v1/images are open"
                : "API keys: " + digests.size() + " configured, Generate and /v1/images need 'authorization: Bearer <key>'");
    }

    private void add(String key) {
        if (!key.isBlank()) digests.add(sha256(key.trim()));
    }

    public boolean required() {
        return !digests.isEmpty();
    }

    /** Whether an authorization header value ("Bearer KEY") carries a configured key. */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) return false;
        byte[] given = sha256(authorization.substring(BEARER.length()).trim());
        boolean ok = false;
        for (byte[] d : digests) ok |= MessageDigest.isEqual(d, given);
        return ok;
    }

    /** The refusal, the same whatever was wrong (no key, a malformed header, an unknown key). */
    public static String refusal() {
        return "a valid API key is required: send 'authorization: Bearer <key>'";
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
