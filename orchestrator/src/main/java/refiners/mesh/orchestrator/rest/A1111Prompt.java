package refiners.mesh.orchestrator.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import refiners.proto.common.v1.LoraWeight;

/**
 * AUTOMATIC1111's extra-network tags in a prompt: {@code <lora:name:scale>} (or {@code <lora:name>}, scale 1; "lyco"
 * is A1111's alias of "lora") become our LoRA list, in order; every tag is cut out of the prompt as A1111 does (the text
 * around it left as it is); tags of other networks (hypernet ...) are ignored.
 */
record A1111Prompt(String text, List<LoraWeight> loras) {
    // A1111's extra-network syntax: <type:arguments>
    private static final Pattern TAG = Pattern.compile("<(\\w+):([^>]+)>");

    static A1111Prompt parse(String prompt) {
        if (prompt == null) return new A1111Prompt("", List.of());
        List<LoraWeight> loras = new ArrayList<>();
        Matcher m = TAG.matcher(prompt);
        StringBuilder text = new StringBuilder();
        while (m.find()) {
            if (m.group(1).equals("lora") || m.group(1).equals("lyco")) loras.add(lora(m.group(), m.group(2).split(":")));
            m.appendReplacement(text, "");
        }
        m.appendTail(text);
        return new A1111Prompt(text.toString(), List.copyOf(loras));
    }

    private static LoraWeight lora(String tag, String[] args) {
        if (args.length > 2)
            throw OpenAiImages.refused("prompt", tag + ": one scale per LoRA (separate text-encoder and UNet scales are not served)");
        LoraWeight.Builder l = LoraWeight.newBuilder().setName(args[0].trim());
        if (args.length == 2)
            try {
                l.setScale(Float.parseFloat(args[1].trim()));
            } catch (NumberFormatException e) {
                throw OpenAiImages.refused("prompt", tag + ": the scale must be a number, got '" + args[1] + "'");
            }
        return l.build();
    }
}
