"""The documents of the sender tools, shared by their tests."""

SET_INSTRUCTION = """
mutation($a: ID!, $country: String!, $text: String!) {
  setOptOutInstruction(accountId: $a, country: $country, text: $text) {
    account { optOutInstructions { country text } } errors { field code message }
  }
}"""
INSTRUCTION = """
query($a: ID!, $n: String!, $sender: String) { optOutInstruction(accountId: $a, phoneNumber: $n, sender: $sender) }"""
PREPARE = """
query($a: ID!, $to: String!, $body: String!, $sender: String) {
  prepareMessage(accountId: $a, to: $to, body: $body, sender: $sender) {
    body appended encoding segmentsBefore segmentsAfter encodingSwitched
  }
}"""
PREPARE_MANY = """
query($a: ID!, $to: [String!]!, $body: String!, $sender: String) {
  prepareMessages(accountId: $a, to: $to, body: $body, sender: $sender) {
    to message { body appended encoding segmentsBefore segmentsAfter } error { field code message }
  }
}"""
LINK = """
query($a: ID!, $token: String!, $channel: Channel!) {
  optOutLink(accountId: $a, token: $token, channel: $channel) { code url }
}"""
HEADERS = """
query($a: ID!, $email: String!) {
  unsubscribeHeaders(accountId: $a, email: $email) { listUnsubscribe listUnsubscribePost }
}"""
