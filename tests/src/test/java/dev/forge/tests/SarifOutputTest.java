package dev.forge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/** `forge check --format sarif` validates against the official SARIF 2.1.0 schema. */
class SarifOutputTest {

	private static JsonSchema schema() throws Exception {
		try (InputStream in = SarifOutputTest.class.getResourceAsStream("/schema/sarif-schema-2.1.0.json")) {
			assertNotNull(in, "the SARIF schema is not on the test classpath");
			return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
		}
	}

	@Test
	void diagnosticsAreValidSarif(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("bad.forge"), "def f(a=1, b):\n    return a, b\nbreak\n");
		ForgeCliTest.Result r = ForgeCliTest.forge(dir, Map.of(), "check", "--format", "sarif", "bad.forge");
		assertEquals(1, r.exit(), r.err());
		JsonNode log = new ObjectMapper().readTree(r.out());
		Set<ValidationMessage> problems = schema().validate(log);
		assertTrue(problems.isEmpty(), () -> "not valid SARIF 2.1.0: " + problems + "\n" + r.out());
		JsonNode results = log.at("/runs/0/results");
		assertEquals(2, results.size(), r.out());
		assertEquals("F0203", results.get(0).at("/ruleId").asText());
		assertEquals(1, results.get(0).at("/locations/0/physicalLocation/region/startLine").asInt());
		assertEquals(12, results.get(0).at("/locations/0/physicalLocation/region/startColumn").asInt());
		assertEquals("F0204", results.get(1).at("/ruleId").asText());
		assertEquals(3, results.get(1).at("/locations/0/physicalLocation/region/startLine").asInt());
		assertEquals("bad.forge", results.get(1).at("/locations/0/physicalLocation/artifactLocation/uri").asText());
		assertTrue(log.at("/runs/0/tool/driver/rules").size() == 2, r.out());
	}

	@Test
	void aCleanRunIsValidSarifWithNoResults() throws Exception {
		ForgeCliTest.Result r = ForgeCliTest.forge("check", "--format", "sarif", "samples");
		assertEquals(0, r.exit(), r.err());
		JsonNode log = new ObjectMapper().readTree(r.out());
		assertTrue(schema().validate(log).isEmpty());
		assertEquals(0, log.at("/runs/0/results").size());
	}

	@Test
	void theSchemaRejectsBrokenSarif() throws Exception {
		// The validator itself must be able to fail: a result without a message is invalid SARIF.
		JsonNode broken = new ObjectMapper().readTree("{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"forge\"}},\"results\":[{\"ruleId\":\"F0001\"}]}]}");
		assertTrue(!schema().validate(broken).isEmpty());
	}
}
