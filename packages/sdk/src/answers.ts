export interface VoteAnswer {
  choice: string
}

export interface BrainstormAnswer {
  idea: string
}

export interface CritiqueAnswer {
  ideas: string[]
}

/** Omit both fields to keep the runtime's score. */
export interface BidAnswer {
  score?: number
  decline?: boolean
}
