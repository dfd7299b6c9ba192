"""The prompts of the interactive flow, behind a protocol so tests can script them.

`QuestionaryPrompter` asks at a real terminal; `ScriptedPrompter` answers from a list, as
pyHanko's DummyPrompter does for passwords, so the whole flow runs in a unit test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

Validate = Callable[[str], str | None]
"""Returns None when the text is acceptable, else the message that says what to type."""


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
    ) -> str:
        """A line of text, checked by `validate` before it is accepted."""
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
    ) -> str:
        """The next scripted text; an empty string takes the default."""
        while True:
            answer = str(self._next(message)) or default
            problem = validate(answer) if validate else None
            if problem is None:
                return answer
            self.refusals.append((answer, problem))

    def yes_no(self, message: str, *, default: bool | None = None) -> bool:
        """The next scripted yes/no; "" takes the default, and without one is asked again."""
        while True:
            answer = self._next(message)
            if answer == "" and default is not None:
                return default
            if isinstance(answer, bool):
                return answer
            self.refusals.append((str(answer), "type y or n"))

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
    ) -> str:
        """A text prompt, with autocompletion when `completions` are given."""
        import questionary

        def check(text: str) -> bool | str:
            problem = validate(text) if validate else None
            return True if problem is None else problem

        if completions:
            question = questionary.autocomplete(
                message,
                choices=list(completions),
                default=default,
                validate=check,
                ignore_case=True,
                match_middle=True,
            )
        else:
            question = questionary.text(message, default=default, validate=check)
        return str(self._ask(question))

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
