package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import refiners.mesh.orchestrator.Catalog;

/**
 * AUTOMATIC1111's listings (GET /sdapi/v1/sd-models, /samplers, /loras; what the mesh serves, asked of the stages like
 * /v1/models), its progress (GET /sdapi/v1/progress) and interrupt (POST /sdapi/v1/interrupt), in A1111's shapes.
 * No server paths: a model's filename and a LoRA's path are their names.
 */
@Path("/sdapi/v1")
@Produces(MediaType.APPLICATION_JSON)
public class A1111StateResource {
    @Inject
    Catalog catalog;
    @Inject
    A1111Jobs jobs;

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record SdModel(String title, @JsonProperty("model_name") String modelName, String hash, String sha256, String filename, String config) {}

    public record LoraItem(String name, String alias, String path, Map<String, Object> metadata) {}

    @GET
    @Path("sd-models")
    @Blocking
    public List<SdModel> sdModels() {
        return catalog.models().stream().map(m -> new SdModel(m.getName(), m.getName(), null, null, m.getName(), null)).toList();
    }

    @GET
    @Path("samplers")
    public List<A1111Samplers.Sampler> samplers() {
        return A1111Samplers.listing();
    }

    @GET
    @Path("loras")
    @Blocking
    public List<LoraItem> loras() {
        return catalog.loras().stream().map(l -> new LoraItem(l.getName(), l.getName(), l.getName() + ".safetensors", Map.of())).toList();
    }

    @GET
    @Path("progress")
    public A1111Jobs.ProgressAnswer progress(@QueryParam("skip_current_image") @DefaultValue("false") boolean skipCurrentImage) {
        return jobs.progress(skipCurrentImage);
    }

    /** Stops the running generations; each answers with the images it had finished (A1111 answers the interrupted job's). */
    @POST
    @Path("interrupt")
    public Map<String, Object> interrupt() {
        jobs.interruptAll();
        return Map.of();
    }
}
