package dev.lifeline.kotlin

import dev.lifeline.ConnectionState
import dev.lifeline.Frame
import dev.lifeline.Supervisor
import dev.lifeline.testing.InMemoryTransport
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.reactive.asFlow
import kotlinx.coroutines.reactor.awaitSingleOrNull
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/**
 * The README's Kotlin recipe, compiled by kotlinc against the @NullMarked API and run: inbound() as
 * a Flow, send(..) and close() awaited.
 */
class CoroutinesTest {

  @Test
  fun inboundIsAFlowAndSendAndCloseAreAwaited() = runBlocking {
    withTimeout(10_000) {
      val transport = InMemoryTransport()
      val ws = Supervisor.create(transport).name("kotlin").connection()
      val received = async {
        ws.inbound().asFlow().map { frame -> (frame as Frame.Text).text() }.take(2).toList()
      }
      ws.states().asFlow().first { it == ConnectionState.CONNECTED }

      ws.send(Frame.text("hello")).awaitSingleOrNull()
      val written: List<String> = transport.lastPeer().receivedTexts()
      assertEquals(listOf("hello"), written)

      transport.lastPeer().send(Frame.text("a")).send(Frame.text("b"))
      assertEquals(listOf("a", "b"), received.await())

      ws.close().awaitSingleOrNull()
      assertEquals(ConnectionState.CLOSED, ws.state())
    }
  }
}
