/** Every refusal of the messaging layer: a code for programs, a message that says what to fix. */
export class MessagingError extends Error {
  override name = 'MessagingError'
  constructor(
    message: string,
    readonly code:
      | 'bad_topic'
      | 'internal_topic'
      | 'message_too_large'
      | 'bad_message'
      | 'rate_limited'
      | 'too_many_topics'
      | 'too_many_subscribers'
      | 'bad_replay'
      | 'stopped'
      | 'peer_unreachable'
      | 'send_timeout'
      | 'peer_unsupported'
      | 'unknown_agent'
      | 'agent_failed'
  ) {
    super(message)
  }
}
