using UnityEngine;
#if ENABLE_INPUT_SYSTEM
using UnityEngine.InputSystem;
#endif

namespace Spark.Presets.Platformer2D
{
    /// <summary>
    /// The one place the platformer reads its controls: keyboard (A/D or arrows, Space, S or Down)
    /// and the first connected gamepad (left stick or d-pad, south button).
    /// </summary>
    /// <remarks>
    /// Input backend: when the project's Active Input Handling includes the Input System package
    /// (<c>ENABLE_INPUT_SYSTEM</c>, the default for new Unity 6 projects) the devices are polled
    /// through <c>UnityEngine.InputSystem</c>; otherwise the legacy Input Manager axes
    /// "Horizontal", "Vertical" and the "Jump" button are used (the Unity 2022 LTS default).
    /// With "Both" selected the Input System wins. Gameplay code only talks to this class, so
    /// moving to Input Actions later means editing this file and nothing else.
    /// Call the properties from <c>Update</c>: the "pressed" values are true for one rendered frame.
    /// </remarks>
    public static class PlatformerInput
    {
        /// <summary>Analog values smaller than this are treated as zero.</summary>
        public const float DeadZone = 0.25f;

        /// <summary>Horizontal movement, -1 (left) to 1 (right).</summary>
        public static float Horizontal
        {
            get
            {
#if ENABLE_INPUT_SYSTEM
                float value = 0f;
                Keyboard keyboard = Keyboard.current;
                if (keyboard != null)
                {
                    if (keyboard.aKey.isPressed || keyboard.leftArrowKey.isPressed) value -= 1f;
                    if (keyboard.dKey.isPressed || keyboard.rightArrowKey.isPressed) value += 1f;
                }

                Gamepad gamepad = Gamepad.current;
                if (gamepad != null)
                {
                    value += ApplyDeadZone(gamepad.leftStick.x.ReadValue());
                    value += gamepad.dpad.x.ReadValue();
                }

                return Mathf.Clamp(value, -1f, 1f);
#else
                return ApplyDeadZone(Input.GetAxisRaw("Horizontal"));
#endif
            }
        }

        /// <summary>Vertical movement, -1 (down) to 1 (up). Down + Jump drops through one-way platforms.</summary>
        public static float Vertical
        {
            get
            {
#if ENABLE_INPUT_SYSTEM
                float value = 0f;
                Keyboard keyboard = Keyboard.current;
                if (keyboard != null)
                {
                    if (keyboard.sKey.isPressed || keyboard.downArrowKey.isPressed) value -= 1f;
                    if (keyboard.wKey.isPressed || keyboard.upArrowKey.isPressed) value += 1f;
                }

                Gamepad gamepad = Gamepad.current;
                if (gamepad != null)
                {
                    value += ApplyDeadZone(gamepad.leftStick.y.ReadValue());
                    value += gamepad.dpad.y.ReadValue();
                }

                return Mathf.Clamp(value, -1f, 1f);
#else
                return ApplyDeadZone(Input.GetAxisRaw("Vertical"));
#endif
            }
        }

        /// <summary>True on the frame the jump button went down.</summary>
        public static bool JumpPressed
        {
            get
            {
#if ENABLE_INPUT_SYSTEM
                Keyboard keyboard = Keyboard.current;
                Gamepad gamepad = Gamepad.current;
                return (keyboard != null && keyboard.spaceKey.wasPressedThisFrame)
                    || (gamepad != null && gamepad.buttonSouth.wasPressedThisFrame);
#else
                return Input.GetButtonDown("Jump");
#endif
            }
        }

        /// <summary>True while the jump button is held; releasing it early cuts the jump short.</summary>
        public static bool JumpHeld
        {
            get
            {
#if ENABLE_INPUT_SYSTEM
                Keyboard keyboard = Keyboard.current;
                Gamepad gamepad = Gamepad.current;
                return (keyboard != null && keyboard.spaceKey.isPressed)
                    || (gamepad != null && gamepad.buttonSouth.isPressed);
#else
                return Input.GetButton("Jump");
#endif
            }
        }

        private static float ApplyDeadZone(float value)
        {
            return Mathf.Abs(value) < DeadZone ? 0f : value;
        }
    }
}
