package dev.lifeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void escapesQuotesBackslashesAndControlCharacters() {
    assertThat(Json.quote("say \"hi\" \\ bye")).isEqualTo("\"say \\\"hi\\\" \\\\ bye\"");
    assertThat(Json.quote("a\nb\rc\td\be\ff")).isEqualTo("\"a\\nb\\rc\\td\\be\\ff\"");
    assertThat(Json.quote("\u0000\u001f\u007f")).isEqualTo("\"\\u0000\\u001f\u007f\"");
    assertThat(Json.quote("\u2028\u2029")).isEqualTo("\"\\u2028\\u2029\"");
  }

  @Test
  void keepsOtherUnicodeAsIsButEscapesLoneSurrogates() {
    assertThat(Json.quote("心跳 é 😀")).isEqualTo("\"心跳 é 😀\"");
    assertThat(Json.quote("x\ud83dy")).isEqualTo("\"x\\ud83dy\"");
    assertThat(Json.quote("\ude00")).isEqualTo("\"\\ude00\"");
  }

  @Test
  void objectKeepsFieldOrderLeavesOutNullsAndWritesNumbersBare() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("time", "2025-01-01T00:00:00Z");
    fields.put("event", "heartbeat-answered");
    fields.put("attempt", 0);
    fields.put("cause", null);
    fields.put("rtt_ms", new BigDecimal("1.25"));
    fields.put("sequence", 7L);
    fields.put("ok", true);

    assertThat(Json.object(fields))
        .isEqualTo(
            "{\"time\":\"2025-01-01T00:00:00Z\",\"event\":\"heartbeat-answered\",\"attempt\":0,"
                + "\"rtt_ms\":1.25,\"sequence\":7,\"ok\":true}");
    assertThat(Json.object(Map.of())).isEqualTo("{}");
  }

  @Test
  void largeDecimalsStayPlainNotScientific() {
    assertThat(Json.object(Map.of("ms", new BigDecimal("1E+3")))).isEqualTo("{\"ms\":1000}");
  }
}
