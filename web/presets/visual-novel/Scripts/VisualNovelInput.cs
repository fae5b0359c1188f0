using UnityEngine;
#if ENABLE_INPUT_SYSTEM
using UnityEngine.InputSystem;
#endif

namespace Spark.Presets.VisualNovel
{
    /// <summary>
    /// The one place the visual novel reads its controls: Space, Enter or the gamepad's south
    /// button to advance; a mouse click or screen tap to advance; Ctrl or the gamepad's right
    /// shoulder held to skip.
    /// </summary>
    /// <remarks>
    /// Input backend: when the project's Active Input Handling includes the Input System package
    /// (<c>ENABLE_INPUT_SYSTEM</c>, the default for new Unity 6 projects) the devices are polled
    /// through <c>UnityEngine.InputSystem</c>; otherwise the legacy Input Manager is used (the
    /// Unity 2022 LTS default), where taps arrive as mouse clicks. With "Both" selected the Input
    /// System wins. Read it from <c>Update</c>: the "pressed" values are true for one rendered frame.
    /// </remarks>
    public static class VisualNovelInput
    {
        /// <summary>True on the frame an advance key or button went down (pointer clicks excluded).</summary>
        public static bool AdvancePressed
        {
            get
            {
#if ENABLE_INPUT_SYSTEM
                Keyboard keyboard = Keyboard.current;
                Gamepad gamepad = Gamepad.current;
                return (keyboard != null && (keyboard.spaceKey.wasPressedThisFrame
                        || keyboard.enterKey.wasPressedThisFrame
                        || keyboard.numpadEnterKey.wasPressedThisFrame))
                    || (gamepad != null && gamepad.buttonSouth.wasPressedThisFrame);
#else
                return Input.GetKeyDown(KeyCode.Space)
                    || Input.GetKeyDown(KeyCode.Return)
                    || Input.GetKeyDown(KeyCode.KeypadEnter)
                    || Input.GetKeyDown(KeyCode.JoystickButton0);
#endif
            }
        }

        /// <summary>True while the skip key or button is held.</summary>
        public static bool SkipHeld
        {
            get
            {
#if ENABLE_INPUT_SYSTEM
                Keyboard keyboard = Keyboard.current;
                Gamepad gamepad = Gamepad.current;
                return (keyboard != null && (keyboard.leftCtrlKey.isPressed || keyboard.rightCtrlKey.isPressed))
                    || (gamepad != null && gamepad.rightShoulder.isPressed);
#else
                return Input.GetKey(KeyCode.LeftControl) || Input.GetKey(KeyCode.RightControl);
#endif
            }
        }

        /// <summary>
        /// True on the frame the primary mouse button or a touch went down; <paramref name="screenPosition"/>
        /// receives where, in screen pixels.
        /// </summary>
        public static bool PointerPressed(out Vector2 screenPosition)
        {
#if ENABLE_INPUT_SYSTEM
            Touchscreen touchscreen = Touchscreen.current;
            if (touchscreen != null && touchscreen.primaryTouch.press.wasPressedThisFrame)
            {
                screenPosition = touchscreen.primaryTouch.position.ReadValue();
                return true;
            }

            Mouse mouse = Mouse.current;
            if (mouse != null && mouse.leftButton.wasPressedThisFrame)
            {
                screenPosition = mouse.position.ReadValue();
                return true;
            }
#else
            if (Input.GetMouseButtonDown(0))
            {
                screenPosition = Input.mousePosition;
                return true;
            }
#endif
            screenPosition = default;
            return false;
        }
    }
}
