package corpus

// BannedPhrases returns the banned phrases of the corpus, in the order of
// the spam scripts: each spam message contains exactly one of them, and no
// other message contains any. Every word is in PocketSphinx's en-us
// dictionary. banned.yaml lists the same phrases. The slice is new on each
// call.
func BannedPhrases() []string {
	s := spamScripts()
	out := make([]string, len(s))
	for i, sc := range s {
		out[i] = sc.Phrase
	}
	return out
}

// Script is the text of one written message: Before + Phrase + After are
// spoken as separate parts. Phrase is empty for a negative message.
type Script struct {
	Before, Phrase, After string
}

// Text returns the whole message.
func (s Script) Text() string {
	t := s.Before
	for _, p := range []string{s.Phrase, s.After} {
		if p == "" {
			continue
		}
		if t != "" && p[0] != ',' && p[0] != '.' && p[0] != '?' && p[0] != '!' {
			t += " "
		}
		t += p
	}
	return t
}

// spamScripts returns the robocall and scam messages, one per banned phrase.
func spamScripts() []Script {
	return []Script{
		{"Congratulations! Our records show that you have won a", "free cruise", "to the Bahamas for two. Stay on the line to reserve your tickets before this offer expires tonight."},
		{"We have been trying to reach you concerning your vehicle's extended", "car warranty", ". This is your last chance to renew your coverage before it expires. Please call us back today."},
		{"This is an urgent message from the federal benefits office. To keep your benefits active, we need to confirm your", "social security number", "today. Please have it ready when an agent takes your call."},
		{"Hello, this is the billing department of your electric company. Your service will be disconnected within the hour unless you pay with a", "gift card", ". Go to the nearest store and call us back with the code."},
		{"Hello, this is a message about your credit account. Your balance qualifies for a special program. To speak with a specialist,", "press one", "now. To be removed from our list, simply hang up."},
		{"This is your", "final notice", "from the office of consumer affairs. Your file has been flagged, and we must speak with you before the end of the business day."},
		{"This call is from the enforcement division. An", "arrest warrant", "has been issued in your name for unpaid taxes. Call us back immediately to resolve this matter and avoid legal action."},
		{"Good news about your", "student loan", ". Under a new federal program your balance may be forgiven, but you must apply before the end of the month. Stay on the line to see if you qualify."},
		{"Hi, this is Rachel from member services. We are calling because you qualify to", "lower your interest rate", "to as little as two percent. This offer ends soon, so please stay on the line."},
		{"Hello and congratulations!", "you have been selected", "to receive a brand new phone at no cost. Our operators are standing by to take your shipping details."},
		{"This is a notice from the revenue service. You are eligible for a", "tax refund", "of eight hundred dollars. To receive it, we need your bank details. Call back this number today."},
		{"This is an automated alert from your bank about online banking.", "account suspended", "because of suspicious activity. Call our security team right away to restore access to your money."},
		{"This is the fraud department. We noticed a large", "wire transfer", "leaving your savings this morning. If you did not approve it, stay on the line and give us your login details."},
		{"Attention home owners! This is a", "limited time offer", "for solar panels with no money down. Cut your power bill in half starting this month. Stay on the line to learn more."},
		{"You are the lucky winner of our weekly sweepstakes. To", "claim your prize", ", simply pay a small processing fee with your debit card. Our agents are waiting for your call."},
		{"Are you paying too much for", "health insurance", "? You may qualify for a plan with lower premiums and better coverage. Stay on the line to speak with a licensed agent."},
	}
}

// negativeScripts returns ordinary messages with near-miss words (birthday
// card, press conference, security deposit, cruise control, ...) and no
// banned phrase.
func negativeScripts() []Script {
	return []Script{
		{Before: "Hi Mom, I picked up a birthday card for grandpa. Can you sign it tonight? I will bring it over after work."},
		{Before: "Good morning, this is Dana from the city newspaper. The press conference has moved to ten on Thursday. Please let me know if you can make it."},
		{Before: "Hello, this is your landlord. I received the security deposit and the first month of rent. The keys will be ready on Friday afternoon."},
		{Before: "Hey, it's Tom from the garage. Your car is ready. We fixed the cruise control and rotated the tires. We are open until six."},
		{Before: "Hi, this is a reminder from the school office. The final exam for biology is on Monday at nine. Students should bring two pencils."},
		{Before: "Hello, this is the appliance store. The warranty of the dishwasher covers the broken pump, so the repair will not cost you anything. A technician can come on Tuesday."},
		{Before: "Hi, this is the library. The book you asked for is back. Your account is active and you can pick it up at the front desk any day this week."},
		{Before: "Hello, it's Sam. I filed my tax return yesterday, finally. Do you want to get lunch on Saturday? Call me when you get a chance."},
		{Before: "Hi, this is the dentist office calling to confirm your cleaning on Wednesday at two thirty. Please press the button on your phone or call back to confirm."},
		{Before: "Good afternoon, this is the credit union. Your new debit card has shipped and should arrive within five business days. No action is needed."},
		{Before: "Hey, the student council meeting moved to the gym. Bring the notes from last week, and tell Jenny the loan of her projector is fine."},
		{Before: "Hi, this is Paula from the travel agency. The cruise you booked for your anniversary leaves on the fourth of June. I will email the free upgrade details."},
	}
}
