from desktop_app.core.conversation import (
    Conversation,
    Message,
    Source,
    standalone_query,
    to_markdown,
)


def test_short_follow_up_is_searched_with_the_previous_question():
    previous = ["Where did the Reims F172 accident happen?"]
    assert standalone_query("And the weather?", previous) == f"{previous[0]} And the weather?"
    long_question = "What was the weather at the Chevroux accident site in December?"
    assert standalone_query(long_question, previous) == long_question
    assert standalone_query("And the weather?", []) == "And the weather?"


def test_recent_turns_pair_questions_with_answers():
    conversation = Conversation(
        1,
        "t",
        messages=[
            Message("user", "q1"),
            Message("assistant", "a1"),
            Message("user", "q2"),
            Message("assistant", "a2"),
            Message("user", "q3"),
            Message("assistant", "a3"),
        ],
    )
    assert conversation.recent_turns(2) == [("q2", "a2"), ("q3", "a3")]


def test_markdown_export_lists_only_cited_sources():
    source1 = Source(1, "/docs/a.pdf", 4, 0, 10, "Cited passage text.", 0.9)
    source2 = Source(2, "/docs/b.txt", None, 0, 10, "Uncited passage.", 0.5)
    conversation = Conversation(
        7,
        "Budget",
        "Answer briefly.",
        messages=[
            Message("user", "What was decided?"),
            Message("assistant", "The budget was approved [1].", (source1, source2), (1,)),
        ],
    )
    markdown = to_markdown(conversation)
    assert markdown.startswith("# Budget\n")
    assert "**Question:** What was decided?" in markdown
    assert '- [1] `/docs/a.pdf`, page 4: "Cited passage text."' in markdown
    assert "b.txt" not in markdown
