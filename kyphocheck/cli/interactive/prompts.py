"""The prompts of the interactive flow, behind a protocol so tests can script them.

`QuestionaryPrompter` asks at a real terminal; `ScriptedPrompter` answers from a list, as
pyHanko's DummyPrompter does for passwords, so the whole flow runs in a unit test.
A refused answer may come with a `Suggestion` (98.6 for a temperature in C looks like
Fahrenheit): it is recorded only when the nurse says yes to it, never in silence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Validate = Callable[[str], str | None]
"""Returns None when the text is acceptable, else the message that says what to type."""

YES_OR_NO = "type y or n"
"""What a yes/no prompt says to an Enter that answers nothing."""


@dataclass(frozen=True)
class Suggestion:
    """What a refused answer probably meant: `said` under it, then a yes/no `question`."""

    said: str  # the refusal and its likely meaning: "... that looks like Fahrenheit (37.0 C)?"
    question: str  # "Record 37.0 C instead?"
    replacement: str  # the text answered instead, when she says yes; it passes the validator


Suggest = Callable[[str], Suggestion | None]
"""For a refused text, what it probably meant, or None."""


ESCAPE = "<esc>"
"""A scripted answer that presses Esc on a menu."""


class EndOfInput(Exception):
    """The input ended (Ctrl-D, or a script ran out) while a question was open."""


class Prompter(Protocol):
    """What the flow needs from a terminal."""

    def text(
        self,
        message: str,
        *,
        default: str = "",
        validate: Validate | None = None,
        completions: Sequence[str] = (),
        suggest: Suggest | None = None,
    ) -> str:
        """A line of text, checked by `validate`; a refused one may be replaced by a suggestion.

        `completions` are offered as she types, case-insensitively.
        """
        ...

    def yes_no(self, message: str, *, default: bool | None = None) -> bool:
        """Yes or no; without a default, a bare Enter answers nothing and asks again."""
        ...

    def select(
        self,
        message: str,
        choices: Sequence[tuple[str, str]],
        *,
        default: str | None = None,
        back: str | None = None,
    ) -> str:
        """One of (label, value) choices; returns the value. Esc chooses `back`, if given."""
        ...

    def checkbox(
        self, message: str, choices: Sequence[tuple[str, str]], *, checked: Sequence[str] = ()
    ) -> list[str]:
        """Any of (label, value) choices; returns the values."""
        ...


class ScriptedPrompter:
    """Answers from a list, in order. Refused answers are kept in `refusals`."""

    def __init__(self, responses: Sequence[Any]) -> None:
        self.responses = list(responses)
        self.asked: list[str] = []
        self.refusals: list[tuple[str, str]] = []
        self.menus: dict[str, list[str]] = {}  # each menu's labels, as last shown
        self.defaults: dict[str, Any] = {}  # each prompt's default, as last offered
        self.completions: dict[str, list[str]] = {}  # each text prompt's completions

    def _next(self, message: str) -> Any:
        self.asked.append(message)
        if not self.responses:
            raise EndOfInput(message)
        response = self.responses.pop(0)
        if isinstance(response, BaseException):
            raise response
        return response

    def text(
        self,
        message: str,
        *,
        default: str = "",
        validate: Validate | None = None,
        completions: Sequence[str] = (),
        suggest: Suggest | None = None,
    ) -> str:
        """The next scripted text; an empty string takes the default."""
        self.completions[message] = list(completions)
        while True:
            self.defaults[message] = default
            answer = str(self._next(message)) or default
            problem = validate(answer) if validate else None
            if problem is None:
                return answer
            suggestion = suggest(answer) if suggest else None
            self.refusals.append((answer, problem if suggestion is None else suggestion.said))
            if suggestion is not None:
                if self.yes_no(suggestion.question):
                    return suggestion.replacement
                default = answer  # as at the terminal: the refused text stays, to be edited

    def yes_no(self, message: str, *, default: bool | None = None) -> bool:
        """The next scripted yes/no; "" takes the default, and without one is asked again."""
        self.defaults[message] = default
        while True:
            answer = self._next(message)
            if answer == "" and default is not None:
                return default
            if isinstance(answer, bool):
                return answer
            self.refusals.append((str(answer), YES_OR_NO))

    def select(
        self,
        message: str,
        choices: Sequence[tuple[str, str]],
        *,
        default: str | None = None,
        back: str | None = None,
    ) -> str:
        """The next scripted value, which must be one of the choices (or ESCAPE, for `back`)."""
        values = [value for _, value in choices]
        self.menus[message] = [label for label, _ in choices]
        self.defaults[message] = default
        while True:
            answer = self._next(message)
            if answer == "" and default is not None:
                return default
            if answer == ESCAPE and back is not None:
                return back
            if answer in values:
                return str(answer)
            self.refusals.append((str(answer), f"not one of {values}"))

    def checkbox(
        self, message: str, choices: Sequence[tuple[str, str]], *, checked: Sequence[str] = ()
    ) -> list[str]:
        """The next scripted list of values."""
        values = [value for _, value in choices]
        answer = self._next(message)
        assert all(a in values for a in answer), (answer, values)
        return list(answer)


class QuestionaryPrompter:
    """Prompts at a real terminal with questionary (imported only when a prompt is drawn)."""

    def _ask(self, question: Any) -> Any:
        try:
            return question.unsafe_ask()
        except EOFError:
            raise EndOfInput("the input ended") from None

    def text(
        self,
        message: str,
        *,
        default: str = "",
        validate: Validate | None = None,
        completions: Sequence[str] = (),
        suggest: Suggest | None = None,
    ) -> str:
        """A text prompt, with autocompletion when `completions` are given.

        A refusal is shown under the prompt when she presses Enter, word-wrapped to the
        terminal (while she types, the completions have the rows under it). A refused text
        with a suggestion ends the prompt instead, and the suggestion is asked as a yes/no.
        """
        import questionary

        def problem(text: str) -> str | None:
            return validate(text) if validate else None

        def check(text: str) -> bool | str:
            refused = problem(text)
            if refused is None or (suggest is not None and suggest(text) is not None):
                return True
            return _fit_to_terminal(refused)

        while True:
            if completions:
                question = questionary.autocomplete(
                    message,
                    choices=list(completions),
                    default=default,
                    validate=check,
                    ignore_case=True,
                    match_middle=True,
                    validate_while_typing=False,
                )
            else:
                question = questionary.text(
                    message, default=default, validate=check, validate_while_typing=False
                )
            _refusals_under_the_prompt(question.application)
            answer = str(self._ask(question))
            suggestion = suggest(answer) if suggest and problem(answer) is not None else None
            if suggestion is None:
                return answer
            _say_under(suggestion.said)
            if self.yes_no(suggestion.question):
                return suggestion.replacement
            default = answer  # asked again with her text, to edit

    def yes_no(self, message: str, *, default: bool | None = None) -> bool:
        """Yes or no by y or n; a bare Enter keeps the default only when there is one."""
        import questionary

        hint = "(y/n) " if default is None else f"(y/n, Enter keeps {'yes' if default else 'no'}) "
        while True:
            answer = self._ask(
                questionary.confirm(message, default=default, instruction=hint)  # type: ignore[arg-type]
            )
            if answer is not None:
                return bool(answer)
            # Without a word, the same question drawn again looked like nothing happened.
            _say_under(YES_OR_NO)

    def select(
        self,
        message: str,
        choices: Sequence[tuple[str, str]],
        *,
        default: str | None = None,
        back: str | None = None,
    ) -> str:
        """A list to choose one from with the arrow keys; Esc chooses `back`, if given."""
        import questionary
        from prompt_toolkit.keys import Keys

        options = [questionary.Choice(title=label, value=value) for label, value in choices]
        chosen = default if default in [v for _, v in choices] else None
        question = questionary.select(message, choices=options, default=chosen)
        if back is not None:

            def escape(event: Any) -> None:
                event.app.exit(result=back)

            # Esc alone, at once: the arrow keys' own escape sequences are read whole before.
            question.application.key_bindings.add(Keys.Escape, eager=True)(escape)  # type: ignore[union-attr]

        return str(self._ask(question))

    def checkbox(
        self, message: str, choices: Sequence[tuple[str, str]], *, checked: Sequence[str] = ()
    ) -> list[str]:
        """A list to tick any of with the space bar."""
        import questionary

        options = [
            questionary.Choice(title=label, value=value, checked=value in checked)
            for label, value in choices
        ]
        return list(self._ask(questionary.checkbox(message, choices=options)))


def _say_under(message: str) -> None:
    """A line under the prompt just answered, indented and wrapped between words."""
    from rich.padding import Padding
    from rich.text import Text

    from kyphocheck.cli.console import out

    out().print(Padding(Text(message, style="yellow"), (0, 0, 0, 2)))


def _fit_to_terminal(message: str) -> str:
    """A refusal broken between words at the terminal's width, so no word of it is cut off."""
    import textwrap

    from prompt_toolkit.application import get_app

    width = get_app().output.get_size().columns
    return textwrap.fill(message, max(width - 1, 20), initial_indent="  ", subsequent_indent="  ")


def _refusals_under_the_prompt(application: Any) -> None:
    """Show why an answer was refused on the rows right under it, as many as it needs.

    prompt_toolkit draws the refusal one row high (a message wider than the terminal was cut
    mid-word) and, for a prompt with completions, below eight rows kept for their menu.
    """
    from prompt_toolkit.filters import Condition, has_validation_error, to_filter
    from prompt_toolkit.layout import ConditionalContainer, Dimension, Window, to_dimension

    for container in application.layout.walk():
        if (
            isinstance(container, ConditionalContainer)
            and container.filter is has_validation_error
            and isinstance(container.content, Window)
        ):
            container.content.height = None
            container.content.dont_extend_height = to_filter(True)
    window = application.layout.current_window  # the input line
    reserved = window.height
    refused = Condition(lambda: application.current_buffer.validation_error is not None)
    window.height = lambda: Dimension() if refused() else to_dimension(reserved)
    window.dont_extend_height = refused  # the rows left over go below the refusal
